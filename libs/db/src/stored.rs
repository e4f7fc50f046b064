//! States stored as text: one declaration gives the enum, its stored names and the one
//! conversion to and from storage, so no code compares state strings.

/// A stored value that names none of its enum's states: the database holds something
/// this version does not know (a hand edit, a newer version's state).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {value:?} is not one this version knows")]
pub struct UnknownStoredValue {
    /// What the value should have been, e.g. `item status`.
    pub kind: &'static str,
    /// The stored text.
    pub value: String,
}

/// Declares an enum of states stored as text, with `ALL`, `as_str`, `parse`, `Display`,
/// and the conversions diesel uses for one column: `TryFrom<String>` (for
/// `#[diesel(deserialize_as = String)]`) and `From<Enum> for String` (for
/// `#[diesel(serialize_as = String)]`). The enum derives `Debug, Clone, Copy, PartialEq,
/// Eq, Hash`; further attributes (serde, GraphQL) go above it as usual.
///
/// ```
/// athenaeum_db::stored_enum! {
///     /// Where a loan is in its life.
///     pub enum LoanState: "loan state" {
///         /// Out with the patron.
///         Open = "open",
///         /// Back.
///         Closed = "closed",
///     }
/// }
/// assert_eq!(LoanState::parse("open"), Some(LoanState::Open));
/// assert_eq!(String::from(LoanState::Closed), "closed");
/// assert!(LoanState::try_from("lent".to_string()).is_err());
/// ```
#[macro_export]
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $Name:ident : $kind:literal {
            $( $(#[$variant_meta:meta])* $Variant:ident = $stored:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $Name {
            $( $(#[$variant_meta])* $Variant, )+
        }

        impl $Name {
            /// Every state, in declaration order.
            pub const ALL: &'static [$Name] = &[$( $Name::$Variant, )+];

            /// Returns the stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $Name::$Variant => $stored, )+
                }
            }

            /// Parses a stored name.
            pub fn parse(text: &str) -> Option<$Name> {
                match text {
                    $( $stored => Some($Name::$Variant), )+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $Name {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $Name {
            type Error = $crate::UnknownStoredValue;

            fn try_from(text: String) -> Result<$Name, $crate::UnknownStoredValue> {
                $Name::parse(&text).ok_or($crate::UnknownStoredValue { kind: $kind, value: text })
            }
        }

        impl From<$Name> for String {
            fn from(value: $Name) -> String {
                value.as_str().to_string()
            }
        }
    };
}
