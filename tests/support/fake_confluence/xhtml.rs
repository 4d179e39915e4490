//! Storage must be well-formed XHTML, as Confluence checks on save: every element closed in
//! order, attributes quoted, `&` only as an entity. HTML named entities (`&nbsp;`) are
//! accepted, as Confluence accepts them; CDATA sections and comments are passed over.

/// `Ok` for well-formed storage, else what is wrong.
pub fn check(text: &str) -> Result<(), String> {
    let mut open: Vec<String> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                let rest = &text[i..];
                if rest.starts_with("<!--") {
                    i += rest.find("-->").ok_or("an unclosed comment")? + 3;
                    continue;
                }
                if rest.starts_with("<![CDATA[") {
                    i += rest.find("]]>").ok_or("an unclosed CDATA section")? + 3;
                    continue;
                }
                let end = rest.find('>').ok_or("a tag without `>`")?;
                let tag = &rest[1..end];
                i += end + 1;
                if let Some(name) = tag.strip_prefix('/') {
                    let name = name.trim();
                    match open.pop() {
                        Some(top) if top == name => {}
                        Some(top) => {
                            return Err(format!(
                                "The element type \"{top}\" must be terminated by the matching end-tag \"</{top}>\"."
                            ));
                        }
                        None => return Err(format!("an end tag </{name}> with nothing open")),
                    }
                    continue;
                }
                let self_closing = tag.ends_with('/');
                let tag = tag.trim_end_matches('/');
                let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
                let name = &tag[..name_end];
                if name.is_empty() {
                    return Err("an empty tag".into());
                }
                check_attributes(&tag[name_end..])?;
                if !self_closing {
                    open.push(name.to_owned());
                }
            }
            b'&' => {
                let rest = &text[i..];
                let end = rest.find(';').filter(|&e| e > 1 && e < 12);
                let valid = end.is_some_and(|e| {
                    let entity = &rest[1..e];
                    entity.starts_with('#') || entity.chars().all(|c| c.is_ascii_alphanumeric())
                });
                if !valid {
                    return Err(
                        "The entity name must immediately follow the '&' in the entity reference."
                            .into(),
                    );
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    match open.pop() {
        None => Ok(()),
        Some(top) => Err(format!(
            "XML document structures must start and end within the same entity (\"{top}\" is not closed)."
        )),
    }
}

/// Attributes are `name="value"` or `name='value'`.
fn check_attributes(mut rest: &str) -> Result<(), String> {
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(());
        }
        let eq = rest.find('=').ok_or("an attribute without a value")?;
        let value = rest[eq + 1..].trim_start();
        let quote = value
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
            .ok_or("Open quote is expected for attribute")?;
        let close = value[1..]
            .find(quote)
            .ok_or("an attribute value without its closing quote")?;
        rest = &value[close + 2..];
    }
}
