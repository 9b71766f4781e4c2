//! Client organisations and the classes used to compare them with their peers.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A value that is not one of a fixed set, with the set it had to come from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: '{value}' is not allowed (allowed: {allowed})")]
pub struct ParseClassError {
    /// Which field was being read.
    pub field: &'static str,
    /// What was given.
    pub value: String,
    /// The allowed values, ready to show.
    pub allowed: &'static str,
}

impl ParseClassError {
    /// Builds the error for `field` given `value`.
    pub fn new(field: &'static str, value: &str, allowed: &'static str) -> Self {
        Self {
            field,
            value: value.to_owned(),
            allowed,
        }
    }
}

/// Industry as a division (大分類) of the Japan Standard Industrial Classification, A to T.
/// Peer comparison groups organisations by this letter; display names live in the message
/// catalogs (`industry.A` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Industry(char);

impl Industry {
    /// All twenty divisions in classification order.
    pub fn all() -> impl Iterator<Item = Industry> {
        ('A'..='T').map(Industry)
    }

    /// The division letter.
    pub fn letter(self) -> char {
        self.0
    }
}

impl FromStr for Industry {
    type Err = ParseClassError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut chars = s.trim().chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.to_ascii_uppercase().is_ascii_uppercase() => {
                let c = c.to_ascii_uppercase();
                if ('A'..='T').contains(&c) {
                    return Ok(Industry(c));
                }
                Err(ParseClassError::new("industry", s, "A-T"))
            }
            _ => Err(ParseClassError::new("industry", s, "A-T")),
        }
    }
}

impl TryFrom<String> for Industry {
    type Error = ParseClassError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Industry> for String {
    fn from(i: Industry) -> String {
        i.0.to_string()
    }
}

impl fmt::Display for Industry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Number of employees, in the bands used for peer comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum EmployeeBand {
    /// 1 to 5 people.
    UpTo5,
    /// 6 to 20 people.
    UpTo20,
    /// 21 to 50 people.
    UpTo50,
    /// 51 to 100 people.
    UpTo100,
    /// 101 to 300 people.
    UpTo300,
    /// More than 300 people.
    Over300,
}

impl EmployeeBand {
    /// Every band, smallest first.
    pub const ALL: [EmployeeBand; 6] = [
        EmployeeBand::UpTo5,
        EmployeeBand::UpTo20,
        EmployeeBand::UpTo50,
        EmployeeBand::UpTo100,
        EmployeeBand::UpTo300,
        EmployeeBand::Over300,
    ];

    /// The band as written in forms, the API and the CLI (`6-20`).
    pub fn as_str(self) -> &'static str {
        match self {
            EmployeeBand::UpTo5 => "1-5",
            EmployeeBand::UpTo20 => "6-20",
            EmployeeBand::UpTo50 => "21-50",
            EmployeeBand::UpTo100 => "51-100",
            EmployeeBand::UpTo300 => "101-300",
            EmployeeBand::Over300 => "301+",
        }
    }
}

impl FromStr for EmployeeBand {
    type Err = ParseClassError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EmployeeBand::ALL
            .into_iter()
            .find(|b| b.as_str() == s.trim())
            .ok_or_else(|| {
                ParseClassError::new("employees", s, "1-5, 6-20, 21-50, 51-100, 101-300, 301+")
            })
    }
}

impl TryFrom<String> for EmployeeBand {
    type Error = ParseClassError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<EmployeeBand> for String {
    fn from(b: EmployeeBand) -> String {
        b.as_str().to_owned()
    }
}

impl fmt::Display for EmployeeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A client organisation of the provider: the unit of tenancy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    /// Opaque identifier, stable for the life of the organisation.
    pub id: String,
    /// Company name as the company writes it.
    pub name: String,
    /// JSIC division letter.
    pub industry: Industry,
    /// Headcount band.
    pub employees: EmployeeBand,
    /// Where the provider reaches the company.
    pub contact_email: String,
    /// Creation time, seconds since the Unix epoch.
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn industry_accepts_a_to_t_only() {
        assert_eq!("e".parse::<Industry>().map(Industry::letter), Ok('E'));
        assert_eq!(Industry::all().count(), 20);
        for bad in ["U", "", "AB", "1", "あ"] {
            assert!(bad.parse::<Industry>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn bands_round_trip() {
        for band in EmployeeBand::ALL {
            assert_eq!(band.as_str().parse::<EmployeeBand>(), Ok(band));
        }
        let err = "7-9".parse::<EmployeeBand>().unwrap_err();
        assert!(err.to_string().contains("6-20"));
    }
}
