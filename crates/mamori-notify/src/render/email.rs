//! Lays a notice out as an e-mail: subject, a plain-text body and an HTML alternative.

use chrono::{DateTime, Utc};

use super::Content;
use crate::Notice;

/// The three parts of a notice e-mail; lettre wraps them as multipart/alternative in UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// Renders `notice` as an e-mail; `now` dates tests and digests without times.
pub fn email(notice: &Notice, now: DateTime<Utc>) -> RenderedEmail {
    let content = Content::new(notice, now);
    RenderedEmail {
        subject: content.subject.clone(),
        text: text(&content),
        html: html(&content, notice.lang),
    }
}

/// The plain-text body.
fn text(c: &Content) -> String {
    let mut out = String::new();
    out.push_str(&c.heading);
    out.push_str("\n\n");
    for paragraph in &c.intro {
        out.push_str(paragraph);
        out.push('\n');
    }
    if !c.facts.is_empty() {
        out.push('\n');
        for fact in &c.facts {
            out.push_str(&format!("{}: {}\n", fact.label, fact.value));
        }
    }
    if !c.items.is_empty() {
        out.push_str(&format!("\n■ {}\n", c.items_label));
        for line in &c.items {
            out.push_str(&format!(
                "・[{}] {}（{}）\n",
                line.severity, line.title, line.detail
            ));
            if let Some(link) = &line.link {
                out.push_str(&format!("  {link}\n"));
            }
        }
    }
    if !c.todo.is_empty() {
        out.push_str(&format!("\n■ {}\n{}\n", c.todo_label, c.todo));
    }
    if let Some(link) = &c.link {
        out.push_str(&format!("\n{}: {link}\n", c.link_label));
    }
    out.push_str(&format!("\n--\n{}\n", c.footer));
    out
}

/// The HTML body: simple inline styles that survive every mail client.
fn html(c: &Content, lang: crate::Lang) -> String {
    let lang = lang.code();
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body style=\"font-family:sans-serif;line-height:1.6;color:#222;max-width:640px\">\n\
         <h2 style=\"font-size:18px\">{}</h2>\n",
        escape(&c.subject),
        escape(&c.heading)
    );
    for paragraph in &c.intro {
        out.push_str(&format!("<p>{}</p>\n", escape(paragraph)));
    }
    if !c.facts.is_empty() {
        out.push_str("<table style=\"border-collapse:collapse\">\n");
        for fact in &c.facts {
            out.push_str(&format!(
                "<tr><th style=\"text-align:left;padding:4px 12px 4px 0;color:#555\">{}</th><td style=\"padding:4px 0\">{}</td></tr>\n",
                escape(&fact.label),
                escape(&fact.value)
            ));
        }
        out.push_str("</table>\n");
    }
    if !c.items.is_empty() {
        out.push_str(&format!(
            "<h3 style=\"font-size:16px\">{}</h3>\n<ul>\n",
            escape(&c.items_label)
        ));
        for line in &c.items {
            let title = match &line.link {
                Some(link) => format!("<a href=\"{}\">{}</a>", escape(link), escape(&line.title)),
                None => escape(&line.title),
            };
            out.push_str(&format!(
                "<li>[{}] {title}（{}）</li>\n",
                escape(&line.severity),
                escape(&line.detail)
            ));
        }
        out.push_str("</ul>\n");
    }
    if !c.todo.is_empty() {
        out.push_str(&format!(
            "<h3 style=\"font-size:16px\">{}</h3>\n<p>{}</p>\n",
            escape(&c.todo_label),
            escape(&c.todo).replace('\n', "<br>")
        ));
    }
    if let Some(link) = &c.link {
        out.push_str(&format!(
            "<p><a href=\"{}\" style=\"display:inline-block;padding:8px 16px;background:#1a56db;color:#fff;text-decoration:none;border-radius:4px\">{}</a></p>\n",
            escape(link),
            escape(&c.link_label)
        ));
    }
    out.push_str(&format!(
        "<hr><p style=\"font-size:12px;color:#666\">{}</p>\n</body></html>\n",
        escape(&c.footer)
    ));
    out
}

/// Escapes text for HTML element content and quoted attributes: every HTML mail body, the
/// notices' and the other mails mamori writes, goes through this one function.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_everything_it_is_given() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
