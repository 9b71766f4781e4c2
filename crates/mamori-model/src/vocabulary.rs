//! Closed vocabularies: enums whose values have stable names shared by JSON, the database,
//! rules and the API.

/// Declares a closed vocabulary enum with its stable names: `as_str`, `ALL`, `Display` and
/// `FromStr` all come from one list, so the names used in JSON, in rules and in the API can
/// never drift apart.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident as $field:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name used in JSON, rules and the API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::org::ParseClassError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| {
                        $crate::org::ParseClassError::new($field, s, concat!($($text, " "),+))
                    })
            }
        }

        /// For readers that take owned text, such as database row mappers.
        impl ::std::convert::TryFrom<String> for $name {
            type Error = $crate::org::ParseClassError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
    };
}

pub(crate) use vocabulary;
