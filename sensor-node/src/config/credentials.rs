//! `MQTT_USERNAME` / `MQTT_PASSWORD`: the sensor's broker credentials, both or neither. Pure parsing only.
//! The password never appears in an error or in `Debug` output.

use super::{invalid, ConfigError};
use std::fmt;

/// Longest user name and longest password accepted, in bytes. Keeps CONNECT (credentials, Will, client id) well
/// inside the client's packet limit; mosquitto's own tools use far shorter ones.
pub const MAX_CREDENTIAL_BYTES: usize = 256;

/// A user name and password sent in every CONNECT, the failback probe's included.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

const USERNAME_EXPECTED: &str =
    "a user name of 1-256 bytes without spaces, control characters or `:` (as in the brokers' password file)";
const PASSWORD_EXPECTED: &str = "a password of 1-256 bytes without control characters";

/// Both set → `Some`, neither → `None` (connect anonymously), one alone → the other is missing.
pub fn parse_credentials(
    username: Option<String>,
    password: Option<String>,
) -> Result<Option<Credentials>, ConfigError> {
    let (username, password) = match (username, password) {
        (None, None) => return Ok(None),
        (Some(u), Some(p)) => (u, p),
        (Some(u), None) => {
            return Err(ConfigError::Missing {
                var: "MQTT_PASSWORD",
                expected: format!(
                    "the password for MQTT_USERNAME={:?} (set both MQTT_USERNAME and MQTT_PASSWORD, or neither)",
                    super::shown(&u)
                ),
            })
        }
        (None, Some(_)) => {
            return Err(ConfigError::Missing {
                var: "MQTT_USERNAME",
                expected: "a user name, since MQTT_PASSWORD is set (set both MQTT_USERNAME and MQTT_PASSWORD, or \
                           neither)"
                    .into(),
            })
        }
    };
    let bad_username = username.len() > MAX_CREDENTIAL_BYTES
        || username.contains(|c: char| c.is_whitespace() || c.is_control() || c == ':');
    if bad_username {
        return Err(invalid("MQTT_USERNAME", &username, USERNAME_EXPECTED));
    }
    if password.len() > MAX_CREDENTIAL_BYTES || password.contains(char::is_control) {
        return Err(ConfigError::InvalidSecret {
            var: "MQTT_PASSWORD",
            expected: PASSWORD_EXPECTED.into(),
        });
    }
    Ok(Some(Credentials { username, password }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    fn var_of(e: ConfigError) -> &'static str {
        e.var()
    }

    #[test]
    fn neither_means_anonymous_and_both_are_kept_as_given() {
        assert_eq!(parse_credentials(None, None), Ok(None));
        assert_eq!(
            parse_credentials(some("sensor-temp"), some("dev sensor: temp")),
            Ok(Some(Credentials {
                username: "sensor-temp".into(),
                password: "dev sensor: temp".into()
            }))
        );
    }

    #[test]
    fn one_without_the_other_names_the_missing_variable() {
        let e = parse_credentials(some("sensor-temp"), None).unwrap_err();
        assert_eq!(var_of(e.clone()), "MQTT_PASSWORD");
        assert!(
            e.to_string().contains("sensor-temp") && e.to_string().contains("both"),
            "{e}"
        );
        let e = parse_credentials(None, some("secret")).unwrap_err();
        assert_eq!(var_of(e.clone()), "MQTT_USERNAME");
        assert!(!e.to_string().contains("secret"), "{e}");
    }

    #[test]
    fn rejects_user_names_the_password_file_cannot_hold() {
        for bad in [
            "a:b",
            "sensor temp",
            "tab\there",
            "x".repeat(MAX_CREDENTIAL_BYTES + 1).as_str(),
        ] {
            let e = parse_credentials(some(bad), some("pw")).unwrap_err();
            assert_eq!(var_of(e), "MQTT_USERNAME", "{bad:?}");
        }
    }

    #[test]
    fn a_bad_password_is_rejected_without_showing_it() {
        for bad in ["line\nbreak", "bell\u{7}", &"p".repeat(MAX_CREDENTIAL_BYTES + 1)] {
            let e = parse_credentials(some("u"), some(bad)).unwrap_err();
            assert_eq!(var_of(e.clone()), "MQTT_PASSWORD");
            let line = e.to_string();
            assert!(
                !line.contains("line") && !line.contains("bell") && !line.contains("ppp"),
                "{line}"
            );
            assert!(!line.contains('\n'));
        }
    }

    #[test]
    fn debug_output_hides_the_password() {
        let c = Credentials {
            username: "dashboard".into(),
            password: "dev-dashboard".into(),
        };
        let shown = format!("{c:?}");
        assert!(
            shown.contains("dashboard") && !shown.contains("dev-dashboard"),
            "{shown}"
        );
    }
}
