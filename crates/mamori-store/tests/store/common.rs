//! Fixtures shared by the store's tests.

use mamori_store::NewOrganisation;

/// A manufacturing organisation of 6-20 people named `name`, with a contact address.
pub fn org(name: &str) -> NewOrganisation {
    org_in_band(name, "6-20")
}

/// A manufacturing organisation named `name` in the employee band `band`.
pub fn org_in_band(name: &str, band: &str) -> NewOrganisation {
    NewOrganisation {
        name: name.to_owned(),
        industry: "E".parse().expect("industry"),
        employees: band.parse().expect("employee band"),
        contact_email: format!("info@{name}.example.jp"),
    }
}
