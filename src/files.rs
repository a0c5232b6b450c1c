//! Reading the files gameday is pointed at (scenarios, journals, token files, manifests)
//! without trusting them to be what their names say.
//!
//! A path can name a FIFO (opening it for reading waits for a writer that never comes), a
//! device (`/dev/zero` never ends), a directory, or a file that grows while it is read.
//! Every reader here opens without blocking, accepts only a regular file, checks its size
//! from the metadata before reading a byte, and reads through a bounded reader, so a file
//! that grows after the check is refused rather than read until memory runs out.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    #[error("cannot open {path}: {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error("{path} is {kind}, not a regular file: gameday reads {what} only from regular files")]
    NotRegular {
        path: PathBuf,
        kind: &'static str,
        what: &'static str,
    },
    #[error("{path} is {len} bytes; the limit for {what} is {limit} bytes")]
    TooBig {
        path: PathBuf,
        len: u64,
        limit: u64,
        what: &'static str,
    },
    #[error("{path} grew past {limit} bytes while it was read; is something still writing it?")]
    Grew { path: PathBuf, limit: u64 },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
}

/// What a file is, in words, when it is not a regular file.
fn kind_of(meta: &Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("not a regular file")
    }
}

/// Opens `path` for reading if it is a regular file of at most `limit` bytes; `what`
/// names the kind of file in messages ("scenarios", "journals"). The open never blocks
/// (a FIFO is refused, not waited on); symbolic links are followed, the file they lead to
/// is what is checked.
pub fn open_regular(
    path: &Path,
    limit: u64,
    what: &'static str,
) -> Result<(File, Metadata), ReadError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)
        .map_err(|source| ReadError::Open {
            path: path.to_path_buf(),
            source,
        })?;
    checked(file, path, limit, what)
}

/// The checks of [`open_regular`] on a file already open.
pub fn checked(
    file: File,
    path: &Path,
    limit: u64,
    what: &'static str,
) -> Result<(File, Metadata), ReadError> {
    let meta = file.metadata().map_err(|source| ReadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if let Some(kind) = kind_of(&meta) {
        return Err(ReadError::NotRegular {
            path: path.to_path_buf(),
            kind,
            what,
        });
    }
    if meta.len() > limit {
        return Err(ReadError::TooBig {
            path: path.to_path_buf(),
            len: meta.len(),
            limit,
            what,
        });
    }
    Ok((file, meta))
}

/// Reads all of `file`, refusing more than `limit` bytes.
pub fn read_bounded(file: File, path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::Grew {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

/// The whole of a regular file of at most `limit` bytes.
pub fn read_regular(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ReadError> {
    let (file, _) = open_regular(path, limit, what)?;
    read_bounded(file, path, limit)
}

/// The whole of a small regular file as text (a token, a password), for the secrets a
/// scenario names by file.
pub fn read_secret_file(path: &Path) -> Result<String, ReadError> {
    let bytes = read_regular(path, MAX_SECRET_FILE, "token and password files")?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Tokens, passwords, CA bundles: far below this.
pub const MAX_SECRET_FILE: u64 = 1024 * 1024;

/// Run directories: the owner writes, the group reads and searches (joining needs only
/// search on the directory and write on the socket), everyone else sees nothing. When
/// the parent is setgid, the group is the parent's (a shared runs directory); it is the
/// owner's own group otherwise. The group never writes: a run directory another user
/// could write is one whose journal `recover` must not trust.
pub const DIR_MODE: u32 = 0o750;

/// Files in a run directory: the owner writes, the group reads.
pub const FILE_MODE: u32 = 0o640;

/// Creates the directory `path` (not its parents) with [`DIR_MODE`] whatever the umask,
/// keeping the setgid bit it inherits from a shared parent. Fails if it exists.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new().mode(DIR_MODE).create(path)?;
    let inherited = std::fs::metadata(path)?.permissions().mode() & 0o2000;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(DIR_MODE | inherited))
}

/// Creates `path` and its missing parents, each with [`DIR_MODE`] whatever the umask; an
/// existing directory is left as it is (a shared runs directory keeps its own mode).
pub fn create_private_dir_all(path: &Path) -> io::Result<()> {
    if path.as_os_str().is_empty() || path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        create_private_dir_all(parent)?;
    }
    match create_private_dir(path) {
        // made meanwhile by someone else: theirs, left as it is
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        other => other,
    }
}

/// Gives a file gameday just created [`FILE_MODE`], whatever the umask (which only ever
/// takes bits away: 077 would hide a run from the group that may read it).
pub fn set_file_mode(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))
}

/// Opens `path` to write a new file with [`FILE_MODE`] whatever the umask, never through
/// a symbolic link and never onto an existing file: whatever is at the path is not
/// followed or truncated.
pub fn create_new_file(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)?;
    set_file_mode(&file)?;
    Ok(file)
}

/// Writes `bytes` to `path` (an output the operator named, such as `--junit FILE`): a new
/// file gets [`FILE_MODE`] whatever the umask, and so does an existing one of the user's
/// own; one of another user's keeps the mode its owner gave it.
pub fn write_output(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::MetadataExt;
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)?;
    if file.metadata()?.uid() == nix::unistd::geteuid().as_raw() {
        set_file_mode(&file)?;
    }
    file.write_all(bytes)
}

/// A directory held open, reached through its descriptor (`/proc/self/fd/N`): what is read
/// and written through [`PinnedDir::path`] is in the directory that was opened, even if
/// someone renames it, or swaps a symbolic link in at its name, between the check and the
/// write. The name itself must not be a symbolic link when it is opened.
pub struct PinnedDir {
    _dir: File,
    path: PathBuf,
}

impl PinnedDir {
    pub fn open(path: &Path) -> io::Result<PinnedDir> {
        // a directory a caller already holds is named by its descriptor's magic link,
        // which is to be followed
        let nofollow = if path.parent() == Some(Path::new("/proc/self/fd")) {
            0
        } else {
            nix::libc::O_NOFOLLOW
        };
        let dir = OpenOptions::new()
            .read(true)
            .custom_flags(nix::libc::O_DIRECTORY | nofollow)
            .open(path)
            .map_err(|e| match e.raw_os_error() {
                Some(nix::libc::ELOOP) | Some(nix::libc::ENOTDIR) => io::Error::other(format!(
                    "{} is not a directory (a symbolic link?)",
                    path.display()
                )),
                _ => e,
            })?;
        Ok(PinnedDir::hold(dir, path))
    }

    /// Holds a directory the caller opened (and checked) itself; `name` is what it was
    /// opened by, used only where /proc is missing.
    pub fn hold(dir: File, name: &Path) -> PinnedDir {
        let pinned = PathBuf::from(format!(
            "/proc/self/fd/{}",
            std::os::fd::AsRawFd::as_raw_fd(&dir)
        ));
        // without /proc the name is all there is
        let path = if pinned.is_dir() {
            pinned
        } else {
            name.to_path_buf()
        };
        PinnedDir { _dir: dir, path }
    }

    /// The directory `name` inside this one, created with [`DIR_MODE`] if missing, held
    /// open in turn; a symbolic link at `name` is refused, not followed.
    pub fn child_dir(&self, name: &str) -> io::Result<PinnedDir> {
        let path = self.path.join(name);
        match create_private_dir(&path) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            other => other?,
        }
        PinnedDir::open(&path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_fifos_and_directories_are_refused_without_blocking() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        for (path, kind) in [
            (fifo.as_path(), "a FIFO"),
            (Path::new("/dev/zero"), "a character device"),
            (tmp.path(), "a directory"),
        ] {
            let err = read_regular(path, 1024, "scenarios").unwrap_err();
            assert!(err.to_string().contains(kind), "{err}");
            assert!(err.to_string().contains("only from regular files"), "{err}");
        }
        let link = tmp.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(matches!(
            read_regular(&link, 1024, "journals"),
            Err(ReadError::NotRegular { .. })
        ));
    }

    #[test]
    fn size_is_checked_before_reading_and_while_reading() {
        let tmp = tempfile::tempdir().unwrap();
        let big = tmp.path().join("big");
        std::fs::write(&big, vec![b'x'; 2048]).unwrap();
        let err = read_regular(&big, 1024, "scenarios").unwrap_err();
        assert!(
            err.to_string()
                .ends_with("is 2048 bytes; the limit for scenarios is 1024 bytes"),
            "{err}"
        );
        // a file that grows after the check
        let (file, _) = open_regular(&big, 4096, "scenarios").unwrap();
        assert!(matches!(
            read_bounded(file, &big, 1000),
            Err(ReadError::Grew { .. })
        ));
        std::fs::write(&big, b"ok").unwrap();
        assert_eq!(read_regular(&big, 1024, "scenarios").unwrap(), b"ok");
    }
}
