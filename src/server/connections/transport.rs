//! Where files are fetched from and sent to: this organisation's folder on
//! the server, an SFTP server (see `sftp`) or an HTTPS address. Each
//! fetch takes the newest file matching a pattern; each send lands whole
//! (written beside, then renamed) so a reader never sees half a file.

use super::sftp::SftpPlace;
use crate::model::connections::{Auth, Transport};
use crate::server::import::read::MAX_BYTES;
use crate::server::webhooks::address;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How long an HTTPS exchange may take.
const HTTPS_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("{0}")]
    Location(String),
    #[error("folder connections are off: the operator has not set PRUDENTIA_CONNECTIONS_ROOT")]
    NoRoot,
    #[error("{0}")]
    Io(String),
    #[error("the file is {0} bytes; the largest import is {MAX_BYTES} bytes (64 MiB)")]
    TooLarge(u64),
    #[error("{0}")]
    Refused(String),
}

fn io(context: &str) -> impl Fn(std::io::Error) -> TransportError + '_ {
    move |e| TransportError::Io(format!("{context}: {e}"))
}

/// A file found at a place.
pub struct Found {
    pub name: String,
    pub modified: Option<SystemTime>,
}

/// A checked place, with what opens it.
pub enum Place {
    /// The folder, and its name as the organisation gave it (errors name
    /// that, never where the server keeps it).
    Folder(PathBuf, String),
    Sftp(SftpPlace),
    Https {
        target: address::Target,
        token: Option<String>,
    },
}

/// What the operator allows.
pub struct Limits<'a> {
    /// This organisation's folder: the connections root and its id.
    pub folder: Option<PathBuf>,
    pub allow_private: bool,
    pub host_key: Option<&'a str>,
}

impl Place {
    /// Reads `location` for `transport`, with the secret its `auth` needs.
    pub async fn open(
        transport: Transport,
        location: &str,
        auth: Auth,
        secret: Option<String>,
        limits: Limits<'_>,
    ) -> Result<Place, TransportError> {
        match transport {
            Transport::Folder => {
                let root = limits.folder.ok_or(TransportError::NoRoot)?;
                Ok(Place::Folder(folder(&root, location)?, location.to_owned()))
            }
            Transport::Sftp => {
                let mut place = SftpPlace::parse(location, auth, secret, limits.host_key)
                    .map_err(TransportError::Location)?;
                place
                    .check_address(limits.allow_private)
                    .await
                    .map_err(|e| TransportError::Location(e.to_string()))?;
                Ok(Place::Sftp(place))
            }
            Transport::Https => {
                let target = address::resolve(location, limits.allow_private)
                    .await
                    .map_err(|e| TransportError::Location(e.to_string()))?;
                Ok(Place::Https {
                    target,
                    token: secret.filter(|_| auth == Auth::Bearer),
                })
            }
        }
    }

    /// The files matching `pattern`, newest first (an HTTPS address is one
    /// file: it is named, not listed).
    pub async fn list(&self, pattern: &str) -> Result<Vec<Found>, TransportError> {
        let mut found = match self {
            Place::Folder(dir, shown) => list_folder(dir, shown)?,
            Place::Sftp(place) => place.list().await.map_err(TransportError::Io)?,
            Place::Https { target, .. } => {
                return Ok(vec![Found {
                    name: url_name(&target.url),
                    modified: None,
                }]);
            }
        };
        let pattern = wildmatch::WildMatch::new(pattern);
        found.retain(|f| pattern.matches(&f.name));
        // Newest first; the greatest name first among equals (dated names).
        found.sort_by(|a, b| b.modified.cmp(&a.modified).then(b.name.cmp(&a.name)));
        Ok(found)
    }

    pub async fn fetch(&self, name: &str) -> Result<Vec<u8>, TransportError> {
        match self {
            Place::Folder(dir, _) => {
                let path = dir.join(name);
                let size = std::fs::metadata(&path).map_err(io(name))?.len();
                if size > MAX_BYTES as u64 {
                    return Err(TransportError::TooLarge(size));
                }
                tokio::fs::read(&path).await.map_err(io(name))
            }
            Place::Sftp(place) => place.fetch(name).await.map_err(TransportError::Io),
            Place::Https { target, token } => https_get(target, token.as_deref()).await,
        }
    }

    /// Sends `content` as `name`: whole, or not at all.
    pub async fn put(
        &self,
        name: &str,
        content: Vec<u8>,
        media_type: &str,
    ) -> Result<(), TransportError> {
        match self {
            Place::Folder(dir, shown) => {
                std::fs::create_dir_all(dir).map_err(io(shown))?;
                let part = dir.join(format!(".{name}.part"));
                tokio::fs::write(&part, &content).await.map_err(io(name))?;
                tokio::fs::rename(&part, dir.join(name))
                    .await
                    .map_err(io(name))
            }
            Place::Sftp(place) => place.put(name, &content).await.map_err(TransportError::Io),
            Place::Https { target, token } => {
                https_post(target, token.as_deref(), name, content, media_type).await
            }
        }
    }

    /// The SFTP server's host key, once connected.
    pub fn host_key(&self) -> Option<String> {
        match self {
            Place::Sftp(place) => place.seen_host_key(),
            _ => None,
        }
    }
}

/// `location` inside `root`: relative, with no way out of it.
fn folder(root: &Path, location: &str) -> Result<PathBuf, TransportError> {
    let relative = Path::new(location.trim_matches('/'));
    let inside = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !inside || location.starts_with('/') {
        return Err(TransportError::Location(format!(
            "“{location}” must be a folder inside this organisation's connections folder, \
             such as nightly/positions (no .. and no leading /)"
        )));
    }
    Ok(root.join(relative))
}

fn list_folder(dir: &Path, shown: &str) -> Result<Vec<Found>, TransportError> {
    let entries = std::fs::read_dir(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => TransportError::Io(format!(
            "the folder {shown} does not exist in this organisation's connections folder"
        )),
        _ => TransportError::Io(format!("the folder {shown}: {e}")),
    })?;
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        if meta.is_file() && !name.starts_with('.') {
            found.push(Found {
                name,
                modified: meta.modified().ok(),
            });
        }
    }
    Ok(found)
}

fn url_name(url: &url::Url) -> String {
    url.path_segments()
        .and_then(|mut s| s.next_back())
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_else(|| "download".to_owned())
}

fn client(target: &address::Target) -> Result<reqwest::Client, TransportError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTPS_TIMEOUT)
        .resolve(&target.host, target.addr)
        .user_agent("Prudentia-Connections/1")
        .build()
        .map_err(|e| TransportError::Io(e.to_string()))
}

fn authorised(request: reqwest::RequestBuilder, token: Option<&str>) -> reqwest::RequestBuilder {
    match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
}

/// Why the other side said no, with the start of what it said.
async fn refused(response: reqwest::Response) -> TransportError {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let excerpt: String = body.chars().take(200).collect();
    TransportError::Refused(format!("the server answered {status}: {excerpt}"))
}

async fn https_get(
    target: &address::Target,
    token: Option<&str>,
) -> Result<Vec<u8>, TransportError> {
    let sent = authorised(client(target)?.get(target.url.clone()), token);
    let mut response = sent
        .send()
        .await
        .map_err(|e| TransportError::Io(e.to_string()))?;
    if !response.status().is_success() {
        return Err(refused(response).await);
    }
    if let Some(size) = response.content_length()
        && size > MAX_BYTES as u64
    {
        return Err(TransportError::TooLarge(size));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| TransportError::Io(e.to_string()))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BYTES {
            return Err(TransportError::TooLarge(body.len() as u64));
        }
    }
    Ok(body)
}

async fn https_post(
    target: &address::Target,
    token: Option<&str>,
    name: &str,
    content: Vec<u8>,
    media_type: &str,
) -> Result<(), TransportError> {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        name.replace(['"', '\\'], "_")
    );
    let sent = authorised(client(target)?.post(target.url.clone()), token)
        .header(reqwest::header::CONTENT_TYPE, media_type)
        .header(reqwest::header::CONTENT_DISPOSITION, disposition)
        .body(content);
    let response = sent
        .send()
        .await
        .map_err(|e| TransportError::Io(e.to_string()))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(refused(response).await)
    }
}

/// Used by the SFTP side too: an answer that is over the import limit.
pub(super) fn too_large(size: u64) -> Option<String> {
    (size > MAX_BYTES as u64).then(|| TransportError::TooLarge(size).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_stays_inside_the_organisations_folder() {
        let root = Path::new("/srv/prudentia/tenant");
        assert_eq!(
            folder(root, "nightly/positions").expect("inside"),
            root.join("nightly/positions")
        );
        assert_eq!(
            folder(root, "./drops/").expect("inside"),
            root.join("drops")
        );
        for outside in ["../other-tenant", "a/../../b", "/etc"] {
            assert!(folder(root, outside).is_err(), "{outside}");
        }
    }

    #[test]
    fn an_https_file_is_named_by_its_last_segment() {
        let url = url::Url::parse("https://dwh.example/exports/positions%202026.xlsx?x=1")
            .expect("a url");
        assert_eq!(url_name(&url), "positions 2026.xlsx");
        let bare = url::Url::parse("https://dwh.example/").expect("a url");
        assert_eq!(url_name(&bare), "download");
    }
}
