//! How catalogue values read on a page: formats with an icon that has text beside it,
//! copy statuses, language names, and the generated cover every record gets.

/// The words for a catalogue format code (`large_print` → "Large print").
pub(crate) fn format_name(code: &str) -> &'static str {
    match code.to_ascii_lowercase().as_str() {
        "book" => "Book",
        "large_print" => "Large print",
        "ebook" | "e_book" => "E-book",
        "audiobook" | "audio_book" => "Audiobook",
        "spoken_word" => "Spoken word",
        "music_recording" => "Music recording",
        "music_score" | "score" => "Music score",
        "dvd" => "DVD",
        "blu_ray" => "Blu-ray",
        "video" => "Video",
        "map" => "Map",
        "serial" => "Serial",
        "journal" => "Journal",
        "newspaper" => "Newspaper",
        "magazine" => "Magazine",
        "kit" => "Kit",
        "game" => "Game",
        "manuscript" => "Manuscript",
        "picture" | "image" => "Picture",
        "computer_file" | "software" => "Computer file",
        "" => "Item",
        _ => "Other",
    }
}

/// A format as the page shows it: an icon (hidden from screen readers) and its words.
pub(crate) struct FormatLabel {
    /// The words.
    pub name: &'static str,
    /// The icon's SVG path data.
    pub icon: &'static str,
}

impl FormatLabel {
    pub(crate) fn new(code: &str) -> FormatLabel {
        let name = format_name(code);
        let icon = match name {
            "Audiobook" | "Spoken word" | "Music recording" => ICON_AUDIO,
            "DVD" | "Blu-ray" | "Video" => ICON_VIDEO,
            "Map" => ICON_MAP,
            "Serial" | "Journal" | "Newspaper" | "Magazine" => ICON_PERIODICAL,
            _ => ICON_BOOK,
        };
        FormatLabel { name, icon }
    }
}

const ICON_BOOK: &str = "M4 3h7a3 3 0 0 1 3 3v15a2 2 0 0 0-2-2H4zM20 3h-4v16h4z";
const ICON_AUDIO: &str = "M4 13a8 8 0 0 1 16 0v6h-4v-6h3a7 7 0 0 0-14 0h3v6H4z";
const ICON_VIDEO: &str = "M3 5h18v14H3zM10 9v6l5-3z";
const ICON_MAP: &str = "M3 6l6-2 6 2 6-2v14l-6 2-6-2-6 2zM9 4v14M15 6v14";
const ICON_PERIODICAL: &str = "M4 4h16v16H4zM7 7h10M7 11h10M7 15h6";

/// The words for a copy's status.
pub(crate) fn item_status(status: &str) -> &'static str {
    match status {
        "AVAILABLE" => "On the shelf",
        "ON_LOAN" => "On loan",
        "ON_HOLD_SHELF" => "Waiting for someone on the hold shelf",
        "IN_TRANSIT" => "On its way between branches",
        "MISSING" => "Missing",
        "LOST" => "Lost",
        "WITHDRAWN" => "Withdrawn",
        "IN_PROCESSING" => "Being prepared",
        _ => "Unknown",
    }
}

/// The name of a MARC language code, or the code when it is not a common one.
pub(crate) fn language_name(code: &str) -> String {
    let name = match code {
        "eng" => "English",
        "wel" => "Welsh",
        "gla" => "Scottish Gaelic",
        "gle" => "Irish",
        "fre" => "French",
        "ger" => "German",
        "spa" => "Spanish",
        "ita" => "Italian",
        "por" => "Portuguese",
        "pol" => "Polish",
        "rus" => "Russian",
        "ara" => "Arabic",
        "urd" => "Urdu",
        "pan" => "Panjabi",
        "ben" => "Bengali",
        "guj" => "Gujarati",
        "hin" => "Hindi",
        "chi" => "Chinese",
        "jpn" => "Japanese",
        "kor" => "Korean",
        "heb" => "Hebrew",
        "gre" => "Greek",
        "tur" => "Turkish",
        "som" => "Somali",
        "lat" => "Latin",
        "und" => "Undetermined",
        "zxx" => "No linguistic content",
        "mul" => "Several languages",
        other => return other.to_string(),
    };
    name.to_string()
}

/// A cover drawn from the record itself: its title, author and format on a colour
/// chosen from the title, so no record ever shows an empty box.
pub(crate) struct Cover {
    /// The background colour (dark enough for white text).
    pub background: &'static str,
    /// The title, broken into lines.
    pub title_lines: Vec<CoverLine>,
    /// The author, broken into lines.
    pub author_lines: Vec<CoverLine>,
    /// The format's words.
    pub format: &'static str,
}

/// One line of text on a cover, with its vertical position.
pub(crate) struct CoverLine {
    /// The text.
    pub text: String,
    /// Where it sits.
    pub y: u32,
}

const COVER_COLOURS: &[&str] =
    &["#1d4f6e", "#5b2d82", "#1e6b34", "#8a2b16", "#30415d", "#6b3f0e", "#0f5b5b", "#7a1f4a"];

impl Cover {
    pub(crate) fn new(title: &str, author: &str, format: &str) -> Cover {
        let hash = title
            .bytes()
            .fold(0_u32, |hash, byte| hash.wrapping_mul(31).wrapping_add(u32::from(byte)));
        let pick = usize::try_from(hash).unwrap_or(0) % COVER_COLOURS.len();
        let title_lines = wrap(title, 14, 6);
        let first_author_line = 30 + 18 * u32::try_from(title_lines.len()).unwrap_or(6) + 14;
        Cover {
            background: COVER_COLOURS.get(pick).copied().unwrap_or("#1d4f6e"),
            title_lines: title_lines
                .into_iter()
                .enumerate()
                .map(|(index, text)| CoverLine {
                    text,
                    y: 30 + 18 * u32::try_from(index).unwrap_or(0),
                })
                .collect(),
            author_lines: wrap(author, 18, 2)
                .into_iter()
                .enumerate()
                .map(|(index, text)| CoverLine {
                    text,
                    y: first_author_line + 14 * u32::try_from(index).unwrap_or(0),
                })
                .collect(),
            format: FormatLabel::new(format).name,
        }
    }
}

/// Breaks `text` into at most `lines` lines of about `width` characters, ending the last
/// with "…" when it does not fit.
fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    for word in &words {
        let word: String = word.chars().take(width).collect();
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut current));
            if out.len() == lines {
                // The word in hand (at least) does not fit.
                if let Some(last) = out.last_mut() {
                    last.push('…');
                }
                return out;
            }
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Cover, wrap};

    #[test]
    fn a_long_title_is_wrapped_and_cut_with_an_ellipsis() {
        assert_eq!(wrap("The quick brown fox", 10, 3), vec!["The quick", "brown fox"]);
        let lines = wrap("one two three four five six seven eight nine ten", 8, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'), "{lines:?}");
    }

    #[test]
    fn every_record_gets_a_cover_with_its_title_and_format() {
        let cover = Cover::new("Middlemarch", "Eliot, George", "book");
        assert_eq!(cover.title_lines[0].text, "Middlemarch");
        assert_eq!(cover.author_lines[0].text, "Eliot, George");
        assert_eq!(cover.format, "Book");
        let empty = Cover::new("", "", "");
        assert!(empty.title_lines.is_empty());
        assert_eq!(empty.format, "Item");
    }
}
