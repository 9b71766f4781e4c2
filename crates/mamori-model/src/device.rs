//! A device of a company's inventory: the PCs, servers, smartphones, UTMs and routers, NAS
//! and printers it runs, who looks after each and where it is, and the dates on which it
//! stops being protected (the end of the OS's support, the antivirus licence, a UTM
//! function's licence, the support contract). The rules that check a device and read its
//! expiries live in `mamori-risk`; the store keeps devices in this shape.

use serde::{Deserialize, Serialize};

use crate::vocabulary::vocabulary;

vocabulary! {
    /// What kind of equipment a device is.
    DeviceKind as "device kind" {
        /// A desktop or notebook PC.
        Pc => "pc",
        /// A server, in the office or rented.
        Server => "server",
        /// A smartphone or tablet.
        Smartphone => "smartphone",
        /// A UTM or firewall at the network edge.
        Utm => "utm",
        /// A router or VPN gateway.
        Router => "router",
        /// Network storage (NAS).
        Nas => "nas",
        /// A printer or multifunction device.
        Printer => "printer",
        /// Anything else on the network.
        Other => "other",
    }
}

vocabulary! {
    /// A UTM security function sold under a licence of its own, each with its own expiry.
    UtmFunction as "UTM function" {
        /// Firewall.
        Firewall => "firewall",
        /// Intrusion prevention.
        Ips => "ips",
        /// Gateway antivirus.
        Antivirus => "antivirus",
        /// Web filtering.
        WebFilter => "web_filter",
        /// Application control.
        AppControl => "app_control",
        /// Sandbox analysis of files.
        Sandbox => "sandbox",
        /// Anti-spam.
        AntiSpam => "anti_spam",
    }
}

/// The licence of one UTM function and the day it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UtmLicence {
    /// The function licensed.
    pub function: UtmFunction,
    /// Its last day, `YYYY-MM-DD`.
    pub expires_on: String,
}

/// One device of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Identifier (empty before it is first stored, and for a monitored source that has
    /// not been described yet).
    #[serde(default)]
    pub id: String,
    /// What it is.
    pub kind: DeviceKind,
    /// The name people call it by: 「経理のPC」, 「本社UTM」.
    pub name: String,
    /// Who uses it or looks after it.
    #[serde(default)]
    pub owner: String,
    /// Where it is.
    #[serde(default)]
    pub location: String,
    /// Its operating system or firmware: 「Windows 11」, 「FortiOS」.
    #[serde(default)]
    pub os: String,
    /// The version of it: 「23H2」, 「7.4.3」.
    #[serde(default)]
    pub os_version: String,
    /// The last day the maker fixes the OS, `YYYY-MM-DD` (empty: not known).
    #[serde(default)]
    pub os_support_ends: String,
    /// The antivirus product on it (empty: none or not known).
    #[serde(default)]
    pub antivirus: String,
    /// The last day of the antivirus licence, `YYYY-MM-DD` (empty: not known).
    #[serde(default)]
    pub antivirus_expires: String,
    /// The last day of the support or maintenance contract, `YYYY-MM-DD` (empty: none).
    #[serde(default)]
    pub support_ends: String,
    /// Where the device itself sends its own alerts (a UTM's or router's alert e-mail
    /// setting); empty: not set, or not known.
    #[serde(default)]
    pub alert_email: String,
    /// A UTM's licences, one per function.
    #[serde(default)]
    pub licences: Vec<UtmLicence>,
    /// The monitored source this device is, when it sends its logs to mamori.
    #[serde(default)]
    pub source_id: Option<String>,
    /// Anything worth noting.
    #[serde(default)]
    pub remarks: String,
}

impl Device {
    /// A device of `kind` called `name`, with nothing else known yet.
    pub fn new(kind: DeviceKind, name: &str) -> Self {
        Device {
            id: String::new(),
            kind,
            name: name.to_owned(),
            owner: String::new(),
            location: String::new(),
            os: String::new(),
            os_version: String::new(),
            os_support_ends: String::new(),
            antivirus: String::new(),
            antivirus_expires: String::new(),
            support_ends: String::new(),
            alert_email: String::new(),
            licences: Vec::new(),
            source_id: None,
            remarks: String::new(),
        }
    }
}
