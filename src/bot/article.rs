//! Knowledge-base articles: Markdown files with optional front matter.
//!
//! ```text
//! ---
//! lang: en
//! tags: [shipping, delivery]
//! keywords: [ongkir, courier]
//! division: Sales
//! translation: shipping-times     # in a translated twin: the original's slug
//! ---
//! # How long does shipping take?
//!
//! The answer…
//! ```
//! The first `# ` heading is the title; everything after it is the answer.

use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub division: Option<String>,
    /// Slug of the article this one translates.
    #[serde(default)]
    pub translation: Option<String>,
}

/// A slug is a file name without `.md`: letters, digits, `-` and `_`.
pub fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 120
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Parses one article; errors say what is wrong with the text.
pub fn parse(slug: &str, text: &str) -> Result<Article, String> {
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let (front, rest) = split_front_matter(&text)?;
    let mut article = Article {
        slug: slug.to_string(),
        title: String::new(),
        body: String::new(),
        lang: None,
        tags: Vec::new(),
        keywords: Vec::new(),
        division: None,
        translation: None,
    };
    apply_front_matter(&mut article, front)?;
    let mut lines = rest.lines();
    let mut before = Vec::new();
    for line in lines.by_ref() {
        if let Some(title) = line.strip_prefix("# ") {
            article.title = title.trim().to_string();
            break;
        }
        before.push(line);
    }
    if article.title.is_empty() {
        return Err("no `# ` title heading".into());
    }
    let after: Vec<&str> = lines.collect();
    let body = [before.join("\n"), after.join("\n")].join("\n");
    article.body = body.trim().to_string();
    if article.body.is_empty() {
        return Err("the article has a title but no answer text".into());
    }
    Ok(article)
}

fn split_front_matter(text: &str) -> Result<(&str, &str), String> {
    let Some(after) = text.strip_prefix("---\n") else {
        return Ok(("", text));
    };
    match after.find("\n---") {
        Some(end) => {
            let rest = &after[end + 4..];
            Ok((&after[..end], rest.strip_prefix('\n').unwrap_or(rest)))
        }
        None => Err("front matter opened with `---` is never closed".into()),
    }
}

/// The small YAML subset articles use: `key: value`, `key: [a, b]`, and
/// `key:` followed by `- item` lines. `#` starts a comment.
fn apply_front_matter(a: &mut Article, front: &str) -> Result<(), String> {
    let mut list_key: Option<String> = None;
    for raw in front.lines() {
        let line = strip_comment(raw);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(item) = line.trim_start().strip_prefix("- ") {
            let Some(key) = &list_key else {
                return Err(format!("list item without a key: `{}`", raw.trim()));
            };
            push_list(a, key, vec![unquote(item)]);
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!(
                "front matter line is not `key: value`: `{}`",
                raw.trim()
            ));
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        if value.is_empty() {
            list_key = Some(key);
            continue;
        }
        list_key = None;
        if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            let items = inner
                .split(',')
                .map(unquote)
                .filter(|s| !s.is_empty())
                .collect();
            push_list(a, &key, items);
        } else {
            let v = unquote(value);
            match key.as_str() {
                "lang" => a.lang = Some(v.to_ascii_lowercase()),
                "division" => a.division = Some(v),
                "translation" | "translation_of" => a.translation = Some(v),
                "tags" | "keywords" => push_list(a, &key, vec![v]),
                _ => {} // Unknown keys are allowed (authors' own metadata).
            }
        }
    }
    Ok(())
}

fn push_list(a: &mut Article, key: &str, items: Vec<String>) {
    match key {
        "tags" => a.tags.extend(items),
        "keywords" => a.keywords.extend(items),
        _ => {}
    }
}

fn strip_comment(line: &str) -> &str {
    match line.find(" #") {
        Some(i) => &line[..i],
        None if line.trim_start().starts_with('#') => "",
        None => line,
    }
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    let s = s
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .unwrap_or(s);
    s.trim().to_string()
}

/// Reads every `*.md` file of a folder. Returns the articles and, for each
/// file that could not be used, its name and the reason.
pub fn load_dir(dir: &Path) -> Result<(Vec<Article>, Vec<String>), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut articles = Vec::new();
    let mut problems = Vec::new();
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            continue;
        }
        let Some(slug) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if slug.eq_ignore_ascii_case("readme") {
            continue;
        }
        if !valid_slug(slug) {
            problems.push(format!(
                "{}: file name is not a valid slug (letters, digits, - and _)",
                path.display()
            ));
            continue;
        }
        match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| parse(slug, &t))
        {
            Ok(a) => articles.push(a),
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    Ok((articles, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_front_matter_title_and_body() {
        let a = parse(
            "ship-id",
            "---\nlang: ID\ntags: [shipping, \"delivery\"]\nkeywords:\n  - ongkir\n  - kurir # comment\ndivision: Sales\ntranslation: ship\n---\n# Berapa lama?\n\nDua hari.\n",
        )
        .unwrap();
        assert_eq!(a.lang.as_deref(), Some("id"));
        assert_eq!(a.tags, ["shipping", "delivery"]);
        assert_eq!(a.keywords, ["ongkir", "kurir"]);
        assert_eq!(a.division.as_deref(), Some("Sales"));
        assert_eq!(a.translation.as_deref(), Some("ship"));
        assert_eq!(a.title, "Berapa lama?");
        assert_eq!(a.body, "Dua hari.");
    }

    #[test]
    fn plain_markdown_and_errors() {
        let a = parse("x", "# Hours\nWe open at 9.").unwrap();
        assert_eq!(
            (a.title.as_str(), a.body.as_str()),
            ("Hours", "We open at 9.")
        );
        assert!(parse("x", "no heading").unwrap_err().contains("title"));
        assert!(
            parse("x", "# Only a title")
                .unwrap_err()
                .contains("no answer")
        );
        assert!(
            parse("x", "---\nlang: en\n# T\nbody")
                .unwrap_err()
                .contains("never closed")
        );
        assert!(!valid_slug("../etc"));
        assert!(valid_slug("returns-id"));
    }

    #[test]
    fn the_demo_knowledge_base_loads_cleanly() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("kb");
        let (articles, problems) = load_dir(&dir).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert!(articles.len() >= 25);
        for a in &articles {
            assert!(a.lang.is_some(), "{} has a language", a.slug);
        }
    }
}
