//! The Debian package (Cargo.toml's `[package.metadata.deb]`), installed with `dpkg -i`
//! into a scratch root and used from there: `gameday --version`, `gameday check` on every
//! installed example, `man gameday`, the completions, and a clean removal.
//!
//! The package is built by scripts/test (`cargo build --release`, then `cargo deb
//! --no-build`, so the release build is made once and packaged as it is) and named by
//! GAMEDAY_DEB. Without it, or without dpkg or man, this test fails saying what to do:
//! a package that was not tested must not look like one that passed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const BUILD: &str = "`cargo install cargo-deb --locked`, `cargo build --release --locked -p gameday`, \
     `cargo deb --no-build --locked -p gameday -o target/debian/gameday.deb`, then \
     `GAMEDAY_DEB=$PWD/target/debian/gameday.deb cargo test --test e2e deb::` (scripts/test does all of this)";

fn run(cmd: &mut Command) -> Output {
    let shown = format!("{cmd:?}");
    let o = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {shown}: {e} (apt-get install dpkg man-db binutils)")
    });
    assert!(
        o.status.success(),
        "{shown} failed ({:?}):\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// An empty dpkg database under `root`, as `dpkg --root` expects one.
fn scratch_root(root: &Path) {
    let db = root.join("var/lib/dpkg");
    for d in ["info", "updates", "triggers"] {
        std::fs::create_dir_all(db.join(d)).unwrap();
    }
    for f in ["status", "available"] {
        std::fs::write(db.join(f), "").unwrap();
    }
}

fn dpkg(root: &Path, args: &[&str]) -> Output {
    run(Command::new("dpkg")
        .arg(format!("--root={}", root.display()))
        .arg("--log=/dev/null")
        .args(args))
}

/// The names of the ELF sections of `bin`, from binutils' readelf.
fn sections(bin: &Path) -> Vec<String> {
    let o = run(Command::new("readelf").args(["-S", "--wide"]).arg(bin));
    stdout(&o)
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l.strip_prefix('[')?;
            let (_, after) = rest.split_once(']')?;
            after.split_whitespace().next().map(str::to_string)
        })
        .collect()
}

#[test]
fn the_debian_package_installs_and_runs() {
    let deb = std::env::var_os("GAMEDAY_DEB")
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("GAMEDAY_DEB is not set: build the package with {BUILD}"));
    assert!(
        deb.is_file(),
        "GAMEDAY_DEB={} is not a file: build it with {BUILD}",
        deb.display()
    );
    assert_eq!(
        nix::unistd::Uid::effective().as_raw(),
        0,
        "dpkg --root installs files owned by root: run this test as root (scripts/test does)"
    );

    // What it says it is: this version, and dependencies this machine really has.
    let info = stdout(&run(Command::new("dpkg-deb").arg("--field").arg(&deb)));
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} in\n{info}"))
            .to_string()
    };
    assert_eq!(field("Package"), "gameday");
    assert_eq!(
        field("Version"),
        format!("{}-1", env!("CARGO_PKG_VERSION")),
        "a package of another version: rebuild it with {BUILD}"
    );
    let depends = field("Depends");
    assert!(depends.contains("libc6"), "{depends}");
    for dep in depends.split(',') {
        let name = dep.split_whitespace().next().unwrap();
        run(Command::new("dpkg-query").args(["-W", name]));
    }

    // Installed into a scratch root: the host's dpkg database is not touched. That root's
    // database has no libc6, so its dependencies (checked above on the host) are forced.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    scratch_root(&root);
    dpkg(&root, &["--force-depends", "-i", deb.to_str().unwrap()]);
    // man drops root's privileges to read pages: the path must be searchable
    run(Command::new("chmod").arg("755").arg(tmp.path()));
    let listed = stdout(&dpkg(&root, &["-L", "gameday"]));
    for path in [
        "/usr/bin/gameday",
        "/usr/share/man/man1/gameday.1.gz",
        "/usr/share/bash-completion/completions/gameday",
        "/usr/share/zsh/vendor-completions/_gameday",
        "/usr/share/fish/vendor_completions.d/gameday.fish",
        "/usr/share/doc/gameday/examples/local-redis-outage.yaml",
        "/usr/share/doc/gameday/assets/scenario.schema.json",
        "/usr/share/doc/gameday/rbac.yaml",
        "/usr/share/doc/gameday/copyright",
    ] {
        assert!(
            listed.lines().any(|l| l == path),
            "{path} not installed:\n{listed}"
        );
    }

    // The binary: stripped (`.debug_gdb_scripts` is not debug information: it names
    // gdb's pretty-printers), its line tables in the -dbgsym package beside this one.
    let bin = root.join("usr/bin/gameday");
    let secs = sections(&bin);
    for gone in [".symtab", ".debug_info", ".debug_line", ".debug_str"] {
        assert!(!secs.iter().any(|s| s == gone), "not stripped: {secs:?}");
    }
    assert!(secs.iter().any(|s| s == ".gnu_debuglink"), "{secs:?}");
    assert!(
        !listed.lines().any(|l| l.starts_with("/usr/lib/debug")),
        "the symbols belong in the -dbgsym package:\n{listed}"
    );
    let ddeb = deb.with_extension("ddeb");
    let symbols = stdout(&run(Command::new("dpkg-deb").arg("--contents").arg(&ddeb)));
    assert!(
        symbols
            .lines()
            .any(|l| l.contains("./usr/lib/debug/.build-id/") && l.ends_with(".debug")),
        "{}: {symbols}",
        ddeb.display()
    );
    let version = stdout(&run(Command::new(&bin).arg("--version")));
    assert_eq!(
        version.trim(),
        format!("gameday {}", env!("CARGO_PKG_VERSION"))
    );

    // Every example the package ships: all of scenarios/, each passing `gameday check`
    // with the installed binary, its schema modeline pointing at the installed schema.
    let examples = root.join("usr/share/doc/gameday/examples");
    let mut shipped: Vec<String> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut ours: Vec<String> = std::fs::read_dir(repo().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    shipped.sort();
    ours.sort();
    assert_eq!(shipped, ours);
    for name in &shipped {
        let o = run(Command::new(&bin)
            .args(["check", name])
            .current_dir(&examples)
            .env_remove("PROMETHEUS_URL")
            .env_remove("KUBE_CONTEXT"));
        assert!(
            stdout(&o).starts_with(&format!("{name}: ok")),
            "{}",
            stdout(&o)
        );
        let text = std::fs::read_to_string(examples.join(name)).unwrap();
        let schema = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# yaml-language-server: $schema="))
            .unwrap_or_else(|| panic!("{name}: no schema modeline"));
        assert!(
            examples.join(schema).is_file(),
            "{name}: {schema} is not installed"
        );
    }

    // `man gameday` finds the installed page and formats it; it is the checked-in page
    let man = run(Command::new("man")
        .args(["-P", "cat", "gameday"])
        .env("MANPATH", root.join("usr/share/man"))
        .env("MANWIDTH", "100")
        .env("LC_ALL", "C.UTF-8"));
    // without the overstrikes of bold and underline, should man keep them
    let mut page = String::new();
    for c in stdout(&man).chars() {
        if c == '\u{8}' {
            page.pop();
        } else {
            page.push(c);
        }
    }
    assert!(
        page.contains("NAME") && page.contains("EXIT STATUS"),
        "{page}"
    );
    assert!(page.contains("gameday import litmus"), "{page}");
    let gz = run(Command::new("gzip")
        .arg("-dc")
        .arg(root.join("usr/share/man/man1/gameday.1.gz")));
    assert!(
        gz.stdout == std::fs::read(repo().join("assets/gameday.1")).unwrap(),
        "the installed man page is not assets/gameday.1: rebuild the package with {BUILD}"
    );

    // The completions are the checked-in scripts (cli_docs:: keeps those equal to what the
    // binary prints), and bash loads its own.
    for (installed, ours) in [
        (
            "usr/share/bash-completion/completions/gameday",
            "assets/completions/gameday.bash",
        ),
        (
            "usr/share/zsh/vendor-completions/_gameday",
            "assets/completions/_gameday",
        ),
        (
            "usr/share/fish/vendor_completions.d/gameday.fish",
            "assets/completions/gameday.fish",
        ),
    ] {
        assert!(
            std::fs::read(root.join(installed)).unwrap()
                == std::fs::read(repo().join(ours)).unwrap(),
            "{installed} is not {ours}: rebuild the package with {BUILD}"
        );
    }
    let o = run(Command::new("bash").arg("-c").arg(format!(
        "source {} && complete -p gameday",
        root.join("usr/share/bash-completion/completions/gameday")
            .display()
    )));
    assert!(stdout(&o).contains("_gameday"), "{}", stdout(&o));

    // and it goes away cleanly
    dpkg(&root, &["-r", "gameday"]);
    assert!(!bin.exists());
    assert!(!examples.exists());
}
