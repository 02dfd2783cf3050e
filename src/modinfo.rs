//! The `.modinfo` section of a kernel module, read straight from its ELF file (compressed or not),
//! so that the install-time version check does not depend on a modinfo process.

use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ModinfoError {
    #[error("{0}: cannot read: {1}")]
    Read(String, std::io::Error),
    #[error("{0}: cannot decompress")]
    Decompress(String),
    #[error("{0}: not an ELF file with a .modinfo section")]
    NotModule(String),
}

/// The `key=value` entries of `.modinfo`; repeated keys (alias, depends...) keep every value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Modinfo {
    pub entries: BTreeMap<String, Vec<String>>,
}

impl Modinfo {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .get(key)
            .and_then(|v| v.first())
            .map(String::as_str)
    }
    pub fn version(&self) -> Option<&str> {
        self.get("version")
    }
    pub fn srcversion(&self) -> Option<&str> {
        self.get("srcversion")
    }
    pub fn vermagic(&self) -> Option<&str> {
        self.get("vermagic")
    }
}

/// Read a module file; `.gz` is inflated in memory, `.xz` and `.zst` through xz/zstd.
pub fn read(path: &Path) -> Result<Modinfo, ModinfoError> {
    let name = path.display().to_string();
    let raw = std::fs::read(path).map_err(|e| ModinfoError::Read(name.clone(), e))?;
    let data = decompress(path, raw).ok_or_else(|| ModinfoError::Decompress(name.clone()))?;
    parse(&data).ok_or(ModinfoError::NotModule(name))
}

/// Module bytes from the file contents, decompressed according to the file name.
pub fn decompress(path: &Path, raw: Vec<u8>) -> Option<Vec<u8>> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "gz" => {
            use std::io::Read;
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .ok()?;
            Some(out)
        }
        "xz" => external_decompress("xz", path),
        "zst" => external_decompress("zstd", path),
        _ => Some(raw),
    }
}

fn external_decompress(program: &str, path: &Path) -> Option<Vec<u8>> {
    let out = std::process::Command::new(program)
        .arg("-dc")
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// Parse `.modinfo` from ELF bytes.
pub fn parse(data: &[u8]) -> Option<Modinfo> {
    let section = elf_section(data, ".modinfo")?;
    let mut info = Modinfo::default();
    for entry in section.split(|b| *b == 0) {
        if entry.is_empty() {
            continue;
        }
        let text = String::from_utf8_lossy(entry);
        if let Some((k, v)) = text.split_once('=') {
            info.entries
                .entry(k.to_string())
                .or_default()
                .push(v.to_string());
        }
    }
    Some(info)
}

/// The bytes of a named section of a 32- or 64-bit, little- or big-endian ELF file.
pub fn elf_section<'a>(data: &'a [u8], wanted: &str) -> Option<&'a [u8]> {
    if data.len() < 52 || &data[..4] != b"\x7fELF" {
        return None;
    }
    let is64 = match data[4] {
        1 => false,
        2 => true,
        _ => return None,
    };
    let le = match data[5] {
        1 => true,
        2 => false,
        _ => return None,
    };
    let rd = Reader { data, le };
    let (shoff, shentsize, shnum, shstrndx) = if is64 {
        (
            rd.u64(0x28)?,
            rd.u16(0x3a)? as u64,
            rd.u16(0x3c)? as u64,
            rd.u16(0x3e)? as u64,
        )
    } else {
        (
            rd.u32(0x20)? as u64,
            rd.u16(0x2e)? as u64,
            rd.u16(0x30)? as u64,
            rd.u16(0x32)? as u64,
        )
    };
    let header = |i: u64| -> Option<(u64, u64, u64)> {
        let base = usize::try_from(shoff.checked_add(i.checked_mul(shentsize)?)?).ok()?;
        if is64 {
            Some((
                rd.u32(base)? as u64,
                rd.u64(base + 0x18)?,
                rd.u64(base + 0x20)?,
            ))
        } else {
            Some((
                rd.u32(base)? as u64,
                rd.u32(base + 0x10)? as u64,
                rd.u32(base + 0x14)? as u64,
            ))
        }
    };
    let (_, str_off, str_size) = header(shstrndx)?;
    let strtab = slice(data, str_off, str_size)?;
    for i in 0..shnum {
        let (name_off, off, size) = header(i)?;
        let name = strtab.get(name_off as usize..)?;
        let end = name.iter().position(|b| *b == 0)?;
        if &name[..end] == wanted.as_bytes() {
            return slice(data, off, size);
        }
    }
    None
}

fn slice(data: &[u8], off: u64, size: u64) -> Option<&[u8]> {
    let start = usize::try_from(off).ok()?;
    let end = start.checked_add(usize::try_from(size).ok()?)?;
    data.get(start..end)
}

struct Reader<'a> {
    data: &'a [u8],
    le: bool,
}

impl Reader<'_> {
    fn bytes<const N: usize>(&self, at: usize) -> Option<[u8; N]> {
        self.data.get(at..at.checked_add(N)?)?.try_into().ok()
    }
    fn u16(&self, at: usize) -> Option<u16> {
        let b = self.bytes::<2>(at)?;
        Some(if self.le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let b = self.bytes::<4>(at)?;
        Some(if self.le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }
    fn u64(&self, at: usize) -> Option<u64> {
        let b = self.bytes::<8>(at)?;
        Some(if self.le {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_module() {
        assert!(parse(b"not an elf file at all, just some text that is long enough").is_none());
        assert!(parse(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]).is_none());
        let mut bogus = vec![0u8; 64];
        bogus[..4].copy_from_slice(b"\x7fELF");
        bogus[4] = 2;
        bogus[5] = 1;
        bogus[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes());
        bogus[0x3c] = 5;
        assert!(parse(&bogus).is_none());
    }
}
