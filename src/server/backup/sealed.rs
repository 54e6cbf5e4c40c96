//! Backup files sealed for the copy that leaves the machine: with
//! `PRUDENTIA_BACKUP_COPY_KEY` set, each file is written to the copy as
//! `<name>.sealed`, XChaCha20-Poly1305 in the STREAM construction (64 KiB
//! chunks, each authenticated, the last one marked, so a truncated or
//! altered file does not open), bound to its path in the backup folder
//! (a file moved to another name does not open either). `unseal` turns a
//! copy back into a backup folder that `restore` reads.

use super::BackupError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{KeyInit, OsRng, Payload, rand_core::RngCore};
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::Path;

pub const SUFFIX: &str = ".sealed";
const V1: u8 = 1;
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
/// XChaCha20's 24-byte nonce less STREAM's counter and last-chunk flag.
const NONCE_PREFIX: usize = 19;

pub struct CopyKey {
    key: chacha20poly1305::Key,
}

impl CopyKey {
    /// The key as the environment gives it: base64 of 32 bytes.
    pub fn from_base64(text: &str) -> Result<CopyKey, BackupError> {
        let bytes = STANDARD.decode(text.trim()).ok();
        let key: [u8; 32] = bytes.and_then(|b| b.try_into().ok()).ok_or_else(|| {
            BackupError::Command(
                "PRUDENTIA_BACKUP_COPY_KEY must be 32 bytes in base64 \
                 (head -c 32 /dev/urandom | base64)"
                    .to_owned(),
            )
        })?;
        Ok(CopyKey { key: key.into() })
    }

    /// Writes `from` sealed into `to`; `name` is its path in the backup folder.
    pub fn seal(&self, from: &Path, to: &Path, name: &str) -> Result<(), BackupError> {
        let mut input = File::open(from).map_err(super::io("reading", from))?;
        let mut output = File::create(to).map_err(super::io("writing", to))?;
        let mut prefix = [0u8; NONCE_PREFIX];
        OsRng.fill_bytes(&mut prefix);
        output
            .write_all(&[V1])
            .and_then(|()| output.write_all(&prefix))
            .map_err(super::io("writing", to))?;
        let cipher = XChaCha20Poly1305::new(&self.key);
        let mut sealer = EncryptorBE32::from_aead(cipher, prefix.as_slice().into());
        let mut chunk = vec![0u8; CHUNK];
        loop {
            let n = fill(&mut input, &mut chunk).map_err(super::io("reading", from))?;
            let payload = Payload {
                msg: &chunk[..n],
                aad: name.as_bytes(),
            };
            if n < CHUNK {
                let last = sealer.encrypt_last(payload).map_err(|_| damaged(name))?;
                output.write_all(&last).map_err(super::io("writing", to))?;
                break;
            }
            let sealed = sealer.encrypt_next(payload).map_err(|_| damaged(name))?;
            output
                .write_all(&sealed)
                .map_err(super::io("writing", to))?;
        }
        output.sync_all().map_err(super::io("writing", to))
    }

    /// Writes the sealed `from` opened into `to`; refuses a file that was
    /// altered, cut short, sealed under another key or for another name.
    pub fn open(&self, from: &Path, to: &Path, name: &str) -> Result<(), BackupError> {
        let mut input = File::open(from).map_err(super::io("reading", from))?;
        let mut head = [0u8; 1 + NONCE_PREFIX];
        input.read_exact(&mut head).map_err(|_| damaged(name))?;
        if head[0] != V1 {
            return Err(damaged(name));
        }
        let cipher = XChaCha20Poly1305::new(&self.key);
        let mut opener = DecryptorBE32::from_aead(cipher, head[1..].into());
        let mut output = File::create(to).map_err(super::io("writing", to))?;
        let mut chunk = vec![0u8; CHUNK + TAG];
        loop {
            let n = fill(&mut input, &mut chunk).map_err(super::io("reading", from))?;
            let payload = Payload {
                msg: &chunk[..n],
                aad: name.as_bytes(),
            };
            if n < CHUNK + TAG {
                let last = opener.decrypt_last(payload).map_err(|_| damaged(name))?;
                output.write_all(&last).map_err(super::io("writing", to))?;
                break;
            }
            let plain = opener.decrypt_next(payload).map_err(|_| damaged(name))?;
            output.write_all(&plain).map_err(super::io("writing", to))?;
        }
        output.sync_all().map_err(super::io("writing", to))
    }
}

fn damaged(name: &str) -> BackupError {
    BackupError::Damaged(format!(
        "{name} does not open with this key (altered, cut short or sealed under another key)"
    ))
}

/// Reads until `buf` is full or the input ends.
fn fill(input: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..])? {
            0 => break,
            read => n += read,
        }
    }
    Ok(n)
}

/// Opens every sealed file of the copy `from` into the backup folder
/// `into` (files it has already are left alone); returns how many.
pub fn unseal(key: &CopyKey, from: &Path, into: &Path) -> Result<usize, BackupError> {
    let mut opened = 0;
    let mut folders = vec![from.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let relative = folder.strip_prefix(from).unwrap_or(Path::new(""));
        let target_dir = into.join(relative);
        fs::create_dir_all(&target_dir).map_err(super::io("creating", &target_dir))?;
        for entry in fs::read_dir(&folder)
            .map_err(super::io("reading", &folder))?
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let Some(plain) = file_name.strip_suffix(SUFFIX) else {
                continue;
            };
            let target = target_dir.join(plain);
            if target.exists() {
                continue;
            }
            let part = target_dir.join(format!(".{plain}.opening"));
            key.open(&path, &part, &name_in_store(relative, plain))?;
            fs::rename(&part, &target).map_err(super::io("writing", &target))?;
            opened += 1;
        }
    }
    Ok(opened)
}

/// A file's path in the backup folder, as sealing binds it.
pub fn name_in_store(relative_dir: &Path, file: &str) -> String {
    relative_dir.join(file).to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CopyKey {
        CopyKey::from_base64(&STANDARD.encode([7u8; 32])).expect("a key")
    }

    #[test]
    fn a_sealed_file_opens_to_the_same_bytes_whatever_its_length() {
        let dir = tempfile::tempdir().expect("a folder");
        for len in [0, 1, CHUNK - 1, CHUNK, 3 * CHUNK + 17] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let (p, s, o) = (
                dir.path().join("p"),
                dir.path().join("s"),
                dir.path().join("o"),
            );
            fs::write(&p, &plain).expect("plain");
            key().seal(&p, &s, "wal/0001").expect("sealed");
            let sealed = fs::read(&s).expect("sealed bytes");
            assert!(len < 64 || !sealed.windows(64).any(|w| w == &plain[..64]));
            key().open(&s, &o, "wal/0001").expect("opened");
            assert_eq!(fs::read(&o).expect("opened bytes"), plain, "{len} bytes");
        }
    }

    #[test]
    fn an_altered_cut_renamed_or_foreign_file_does_not_open() {
        let dir = tempfile::tempdir().expect("a folder");
        let (p, s, o) = (
            dir.path().join("p"),
            dir.path().join("s"),
            dir.path().join("o"),
        );
        fs::write(&p, vec![42u8; 2 * CHUNK + 5]).expect("plain");
        key().seal(&p, &s, "base/x/base.tar.gz").expect("sealed");
        let sealed = fs::read(&s).expect("sealed");
        let refused = |bytes: &[u8], name: &str, key: &CopyKey| {
            fs::write(&s, bytes).expect("written");
            matches!(key.open(&s, &o, name), Err(BackupError::Damaged(_)))
        };
        let mut altered = sealed.clone();
        altered[100] ^= 1;
        assert!(refused(&altered, "base/x/base.tar.gz", &key()));
        assert!(refused(
            &sealed[..1 + NONCE_PREFIX + CHUNK + TAG],
            "base/x/base.tar.gz",
            &key()
        ));
        assert!(refused(&sealed, "base/y/base.tar.gz", &key()));
        let other = CopyKey::from_base64(&STANDARD.encode([8u8; 32])).expect("a key");
        assert!(refused(&sealed, "base/x/base.tar.gz", &other));
        assert!(!refused(&sealed, "base/x/base.tar.gz", &key()));
        assert!(CopyKey::from_base64("c2hvcnQ=").is_err());
    }
}
