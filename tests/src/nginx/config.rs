//! Rewrites the shipped `nginx.conf` for a native run. Pure: text in, text out.
//!
//! Exactly these directives change, each keeping its other arguments; every one must be present:
//! - `user nginx;` → `user root;` when the harness runs as root (nginx's default `nobody` could not read the
//!   harness's 0700 temp dir), removed otherwise (a non-root master cannot switch users);
//! - `pid …;` → `pid <dir>/nginx.pid;`
//! - `error_log /dev/stderr warn;` → `error_log <dir>/nginx-error.log warn;`
//! - `access_log /dev/stdout;` → `access_log <dir>/nginx-access.log;`
//! - `listen 5000;` → `listen <port>;`
//! - `root /usr/share/nginx/html;` → `root <site dir>;`
//!
//! `include /etc/nginx/mime.types;` stays: Debian's nginx installs that file too, and it is part of what is tested
//! (the wasm MIME type). Everything else — gzip, cache headers, locations — is byte-for-byte the shipped file.

use anyhow::bail;
use std::path::Path;

/// What to put into the rewritten config.
#[derive(Debug, Clone)]
pub struct NginxPaths<'a> {
    /// Holds the pid file and both logs.
    pub run_dir: &'a Path,
    /// The web root: a copy of the dist with its `config.json`.
    pub site_dir: &'a Path,
    pub port: u16,
    pub as_root: bool,
}

/// The shipped config with the directives above rewritten.
pub fn rewrite(shipped: &str, paths: &NginxPaths<'_>) -> anyhow::Result<String> {
    let run = paths.run_dir.display();
    let pid = format!("{run}/nginx.pid");
    let error_log = format!("{run}/nginx-error.log");
    let access_log = format!("{run}/nginx-access.log");
    let root = paths.site_dir.display().to_string();
    let port = paths.port.to_string();

    let mut found = [false; 6];
    let mut out = String::with_capacity(shipped.len() + 256);
    for line in shipped.lines() {
        let indent = &line[..line.len() - line.trim_start().len()];
        let Some((directive, _, rest)) = split_directive(line.trim()) else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let new_first: Option<&str> = match directive {
            "user" => {
                found[0] = true;
                if !paths.as_root {
                    continue;
                }
                Some("root")
            }
            "pid" => {
                found[1] = true;
                Some(&pid)
            }
            "error_log" => {
                found[2] = true;
                Some(&error_log)
            }
            "access_log" => {
                found[3] = true;
                Some(&access_log)
            }
            "listen" => {
                found[4] = true;
                Some(&port)
            }
            "root" => {
                found[5] = true;
                Some(&root)
            }
            _ => None,
        };
        match new_first {
            Some(first) => out.push_str(&format!("{indent}{directive} {first}{rest};")),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    let names = ["user", "pid", "error_log", "access_log", "listen", "root"];
    let missing: Vec<&str> = names.iter().zip(found).filter(|(_, f)| !f).map(|(n, _)| *n).collect();
    if !missing.is_empty() {
        bail!(
            "nginx.conf lacks the directives the harness rewrites: {}",
            missing.join(", ")
        );
    }
    Ok(out)
}

/// `listen 5000 default_server;` → `("listen", "5000", " default_server")`. `None` for blocks, comments, blanks.
fn split_directive(trimmed: &str) -> Option<(&str, &str, &str)> {
    let body = trimmed.strip_suffix(';')?;
    let (directive, args) = body.split_once(char::is_whitespace)?;
    let args = args.trim_start();
    let (first, rest) = match args.find(char::is_whitespace) {
        Some(i) => (&args[..i], &args[i..]),
        None => (args, ""),
    };
    Some((directive, first, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = "user nginx;\npid /var/run/nginx.pid;\nerror_log /dev/stderr warn;\nhttp {\n    \
        include /etc/nginx/mime.types;\n    access_log /dev/stdout;\n    server {\n        listen 5000;\n        \
        root /usr/share/nginx/html;\n    }\n}\n";

    fn paths(as_root: bool) -> NginxPaths<'static> {
        NginxPaths {
            run_dir: Path::new("/tmp/run"),
            site_dir: Path::new("/tmp/site"),
            port: 45001,
            as_root,
        }
    }

    #[test]
    fn rewrites_user_pid_logs_port_and_root_and_nothing_else() {
        let out = rewrite(SHIPPED, &paths(true)).unwrap();
        assert_eq!(
            out,
            "user root;\npid /tmp/run/nginx.pid;\nerror_log /tmp/run/nginx-error.log warn;\nhttp {\n    \
             include /etc/nginx/mime.types;\n    access_log /tmp/run/nginx-access.log;\n    server {\n        \
             listen 45001;\n        root /tmp/site;\n    }\n}\n"
        );
    }

    #[test]
    fn drops_the_user_directive_when_not_root() {
        let out = rewrite(SHIPPED, &paths(false)).unwrap();
        assert!(!out.contains("user "));
    }

    #[test]
    fn keeps_listen_parameters_after_the_port() {
        let out = rewrite(
            &SHIPPED.replace("listen 5000;", "listen 5000 default_server;"),
            &paths(true),
        )
        .unwrap();
        assert!(out.contains("listen 45001 default_server;"));
    }

    #[test]
    fn refuses_a_config_without_a_listen_directive() {
        assert!(rewrite(&SHIPPED.replace("listen 5000;", ""), &paths(true)).is_err());
    }

    #[test]
    fn rewrites_the_shipped_file() {
        let shipped = std::fs::read_to_string(crate::artifacts::nginx_conf().unwrap()).unwrap();
        let out = rewrite(&shipped, &paths(true)).unwrap();
        assert!(out.contains("listen 45001;") && out.contains("root /tmp/site;"));
        assert!(out.contains("include /etc/nginx/mime.types;"));
        assert!(!out.contains("/usr/share/nginx/html") && !out.contains("/dev/std"));
    }
}
