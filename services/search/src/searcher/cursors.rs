//! Cursors of search pages: an opaque token for a position among the results. Says
//! nothing about what the results are.

use athenaeum_kernel::ApiError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::SearchError;

/// Returns the cursor that continues after the `position`th result.
pub(super) fn encode_cursor(position: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("r{position}"))
}

/// Returns the position a cursor continues after: 0 without one.
///
/// Fails with `VALIDATION` on `after` for a cursor no search returned.
pub(super) fn decode_cursor(cursor: Option<&str>) -> Result<usize, SearchError> {
    let Some(cursor) = cursor.filter(|cursor| !cursor.is_empty()) else { return Ok(0) };
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix('r').and_then(|number| number.parse().ok()))
        .ok_or_else(|| {
            ApiError::validation("after", "this cursor is not one that a search returned").into()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        assert_eq!(decode_cursor(Some(&encode_cursor(40))).unwrap(), 40);
        assert_eq!(decode_cursor(None).unwrap(), 0);
        assert!(decode_cursor(Some("bm9wZQ")).is_err());
    }
}
