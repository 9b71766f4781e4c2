//! Filling placeholders in wording kept as data (`{name}` in notices, reports and guides,
//! `%{name}` in the web catalog), in one pass: a value that itself holds a placeholder (a
//! company named 「{date}商事」) is written as it is, never filled again; a name without a value
//! stays as written.

/// `template` with each `{name}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    fill_marked(template, "{", values)
}

/// `template` with each `<open>name}` replaced by its value (`open` is `{` or `%{`).
pub fn fill_marked(template: &str, open: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(at) = rest.find(open) {
        out.push_str(&rest[..at]);
        let after = &rest[at + open.len()..];
        let found = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match found {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(open);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_once_and_leaves_unknown_names() {
        assert_eq!(
            fill("{org}の{title}", &[("org", "A社"), ("title", "x")]),
            "A社のx"
        );
        assert_eq!(
            fill(
                "{org}: {title} {other}",
                &[("org", "{title}商事"), ("title", "x")]
            ),
            "{title}商事: x {other}"
        );
        assert_eq!(
            fill_marked("%{n}件 {n} %{m}", "%{", &[("n", "3")]),
            "3件 {n} %{m}"
        );
        assert_eq!(fill("{unclosed", &[("unclosed", "x")]), "{unclosed");
    }
}
