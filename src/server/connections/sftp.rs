//! SFTP with russh: a password or an OpenSSH private key, and the
//! server's host key pinned — given by the admin, or learnt at the first
//! connection (and refused if it ever changes).

use super::transport::Found;
use crate::model::connections::Auth;
use crate::server::webhooks::address::{self, AddressError};
use russh::client;
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKey, decode_secret_key};
use russh_sftp::client::SftpSession;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};
use tokio::io::AsyncWriteExt;

/// Connecting and logging in may take this long; each file operation too.
const TIMEOUT: Duration = Duration::from_secs(30);

enum Credential {
    Password(String),
    Key(String),
    /// Checking an address while the stored secret is kept.
    Missing,
}

pub struct SftpPlace {
    host: String,
    port: u16,
    user: String,
    dir: String,
    credential: Credential,
    pinned: Option<String>,
    addr: Option<SocketAddr>,
    seen: Arc<Mutex<Option<String>>>,
}

impl SftpPlace {
    /// `sftp://user@host:port/folder`, with the password or key.
    pub fn parse(
        location: &str,
        auth: Auth,
        secret: Option<String>,
        host_key: Option<&str>,
    ) -> Result<SftpPlace, String> {
        let url = url::Url::parse(location)
            .ok()
            .filter(|u| u.scheme() == "sftp" && u.host_str().is_some() && !u.username().is_empty())
            .ok_or_else(|| {
                format!("“{location}” is not an address such as sftp://user@host:22/outgoing")
            })?;
        let credential = match (auth, secret) {
            (Auth::Password | Auth::Key, None) => Credential::Missing,
            (Auth::Password, Some(secret)) => Credential::Password(secret),
            (Auth::Key, Some(secret)) => {
                decode_secret_key(&secret, None)
                    .map_err(|e| format!("the private key is not readable: {e}"))?;
                Credential::Key(secret)
            }
            _ => return Err("SFTP needs a password or a private key".to_owned()),
        };
        let dir = percent_encoding::percent_decode_str(url.path())
            .decode_utf8_lossy()
            .into_owned();
        Ok(SftpPlace {
            host: url.host_str().unwrap_or_default().to_owned(),
            port: url.port().unwrap_or(22),
            user: percent_encoding::percent_decode_str(url.username())
                .decode_utf8_lossy()
                .into_owned(),
            // `sftp://h/outgoing` is the folder `outgoing` of the login's
            // home, as `sftp h:outgoing` reads it; `//` starts at the root.
            dir: match dir.strip_prefix('/') {
                Some("") | None => ".".to_owned(),
                Some(rest) => rest.to_owned(),
            },
            credential,
            pinned: host_key.map(str::to_owned),
            addr: None,
            seen: Arc::default(),
        })
    }

    /// Resolves the host, refusing private addresses unless allowed.
    pub async fn check_address(&mut self, allow_private: bool) -> Result<(), AddressError> {
        self.addr = Some(address::resolve_host(&self.host, self.port, allow_private).await?);
        Ok(())
    }

    pub fn seen_host_key(&self) -> Option<String> {
        self.seen.lock().ok().and_then(|k| k.clone())
    }

    fn path(&self, name: &str) -> String {
        format!("{}/{name}", self.dir.trim_end_matches('/'))
    }

    async fn session(&self) -> Result<SftpSession, String> {
        let addr = self.addr.ok_or("the address was not checked")?;
        let checker = HostKey {
            pinned: self.pinned.clone(),
            seen: self.seen.clone(),
        };
        let config = Arc::new(client::Config {
            inactivity_timeout: Some(TIMEOUT),
            ..Default::default()
        });
        let login = async {
            let mut handle = client::connect(config, addr, checker)
                .await
                .map_err(|e| self.connect_error(e))?;
            let accepted = match &self.credential {
                Credential::Missing => return Err("the password or private key is missing".into()),
                Credential::Password(password) => handle
                    .authenticate_password(&self.user, password)
                    .await
                    .map_err(|e| e.to_string())?,
                Credential::Key(pem) => {
                    let key = decode_secret_key(pem, None).map_err(|e| e.to_string())?;
                    let hash = handle
                        .best_supported_rsa_hash()
                        .await
                        .map_err(|e| e.to_string())?
                        .flatten();
                    let key = PrivateKeyWithHashAlg::new(Arc::new(key), hash);
                    handle
                        .authenticate_publickey(&self.user, key)
                        .await
                        .map_err(|e| e.to_string())?
                }
            };
            if !accepted.success() {
                return Err(format!(
                    "{}@{} refused the {}",
                    self.user,
                    self.host,
                    match self.credential {
                        Credential::Key(_) => "key",
                        _ => "password",
                    }
                ));
            }
            let channel = handle
                .channel_open_session()
                .await
                .map_err(|e| e.to_string())?;
            channel
                .request_subsystem(true, "sftp")
                .await
                .map_err(|e| e.to_string())?;
            let sftp = SftpSession::new(channel.into_stream())
                .await
                .map_err(|e| format!("the server has no SFTP: {e}"))?;
            sftp.set_timeout(TIMEOUT.as_secs());
            Ok(sftp)
        };
        tokio::time::timeout(TIMEOUT, login)
            .await
            .map_err(|_| format!("{}:{} did not answer within 30 s", self.host, self.port))?
    }

    fn connect_error(&self, error: russh::Error) -> String {
        match (&error, self.seen_host_key(), &self.pinned) {
            (russh::Error::UnknownKey, Some(seen), Some(pinned)) => format!(
                "{} showed the host key {seen}, not the {pinned} recorded: refused \
                 (if the server's key really changed, enter the new one)",
                self.host
            ),
            _ => format!("cannot reach {}:{}: {error}", self.host, self.port),
        }
    }

    pub async fn list(&self) -> Result<Vec<Found>, String> {
        let sftp = self.session().await?;
        let entries = sftp
            .read_dir(self.dir.clone())
            .await
            .map_err(|e| format!("cannot list {}: {e}", self.dir))?;
        let found = entries
            .filter(|e| e.file_type().is_file() && !e.file_name().starts_with('.'))
            .map(|e| Found {
                name: e.file_name(),
                modified: e
                    .metadata()
                    .mtime
                    .map(|s| UNIX_EPOCH + Duration::from_secs(u64::from(s))),
            })
            .collect();
        sftp.close().await.ok();
        Ok(found)
    }

    pub async fn fetch(&self, name: &str) -> Result<Vec<u8>, String> {
        let sftp = self.session().await?;
        let path = self.path(name);
        let size = sftp
            .metadata(path.clone())
            .await
            .map_err(|e| format!("cannot read {name}: {e}"))?
            .size
            .unwrap_or(0);
        if let Some(message) = super::transport::too_large(size) {
            return Err(message);
        }
        let content = sftp
            .read(path)
            .await
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        sftp.close().await.ok();
        Ok(content)
    }

    /// Writes beside, then renames: the reader sees the whole file or none.
    pub async fn put(&self, name: &str, content: &[u8]) -> Result<(), String> {
        let sftp = self.session().await?;
        let part = self.path(&format!(".{name}.part"));
        let target = self.path(name);
        let failed = |e: russh_sftp::client::error::Error| format!("cannot write {name}: {e}");
        let mut file = sftp.create(part.clone()).await.map_err(failed)?;
        file.write_all(content)
            .await
            .map_err(|e| format!("cannot write {name}: {e}"))?;
        file.shutdown()
            .await
            .map_err(|e| format!("cannot write {name}: {e}"))?;
        // SFTP v3 renames only onto a free name.
        if sftp.try_exists(target.clone()).await.unwrap_or(false) {
            sftp.remove_file(target.clone()).await.map_err(failed)?;
        }
        sftp.rename(part, target).await.map_err(failed)?;
        sftp.close().await.ok();
        Ok(())
    }
}

/// Accepts the server if its key is the pinned one, or any key when none
/// is pinned yet; remembers what it saw.
struct HostKey {
    pinned: Option<String>,
    seen: Arc<Mutex<Option<String>>>,
}

impl client::Handler for HostKey {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            return Ok(false);
        };
        let fingerprint = fingerprint(key);
        let accepted = self.pinned.as_deref().is_none_or(|p| p == fingerprint);
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(fingerprint);
        }
        Ok(accepted)
    }
}

/// `SHA256:…`, as `ssh-keygen -lf` prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_names_the_login_the_host_and_the_folder() {
        let place = SftpPlace::parse(
            "sftp://dwh%20bot@sftp.bank.example:2222/outgoing/daily",
            Auth::Password,
            Some("secret".into()),
            None,
        )
        .expect("an address");
        assert_eq!(
            (place.user.as_str(), place.host.as_str(), place.port),
            ("dwh bot", "sftp.bank.example", 2222)
        );
        assert_eq!(place.path("a.xlsx"), "outgoing/daily/a.xlsx");
        let home = SftpPlace::parse("sftp://u@h", Auth::Password, Some("p".into()), None)
            .expect("an address");
        assert_eq!((home.port, home.path("a.csv").as_str()), (22, "./a.csv"));
    }

    #[test]
    fn bad_addresses_and_keys_are_named() {
        for bad in ["https://h/x", "sftp://h/x", "sftp:nothing"] {
            assert!(
                SftpPlace::parse(bad, Auth::Password, Some("p".into()), None).is_err(),
                "{bad}"
            );
        }
        let key = SftpPlace::parse("sftp://u@h/x", Auth::Key, Some("not a key".into()), None);
        assert!(key.err().is_some_and(|e| e.contains("private key")));
    }
}
