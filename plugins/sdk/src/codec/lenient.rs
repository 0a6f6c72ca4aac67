//! A lenient `serde` deserializer over the intermediate tree.
//!
//! XML has no types: every leaf is a string and a list of one is a single element. This deserializer reads
//! the tree like `serde_json::from_value` does, and additionally accepts
//! - a string where a number or a boolean is expected (`"42"`, `" 42 "`, `"true"`, `"1"`, `"false"`, `"0"`),
//! - a number or a boolean where a string is expected,
//! - a single value where a sequence is expected (one repeated element), and null as an empty sequence,
//! - an empty or blank string where a struct or map is expected (an empty element), and null or `""` for `()`.

use serde::de::value::StrDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess,
    SeqAccess, Unexpected, VariantAccess, Visitor,
};
use serde_json::{Error, Value};

/// Deserializes `T` from the tree.
pub(crate) fn from_tree<T: DeserializeOwned>(tree: &Value) -> Result<T, Error> {
    T::deserialize(Node(tree))
}

/// One node of the tree, as a deserializer.
#[derive(Clone, Copy)]
struct Node<'a>(&'a Value);

macro_rules! lenient_number {
    ($($method:ident => $ty:ty, $visit:ident;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                match self.0 {
                    Value::String(text) => match text.trim().parse::<$ty>() {
                        Ok(number) => visitor.$visit(number),
                        Err(_) => Err(de::Error::invalid_value(Unexpected::Str(text), &visitor)),
                    },
                    _ => self.deserialize_any(visitor),
                }
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Node<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(flag) => visitor.visit_bool(*flag),
            Value::Number(number) => {
                if let Some(unsigned) = number.as_u64() {
                    visitor.visit_u64(unsigned)
                } else if let Some(signed) = number.as_i64() {
                    visitor.visit_i64(signed)
                } else {
                    match number.as_f64() {
                        Some(float) => visitor.visit_f64(float),
                        None => Err(de::Error::custom(format!(
                            "unrepresentable number {number}"
                        ))),
                    }
                }
            }
            Value::String(text) => visitor.visit_str(text),
            Value::Array(items) => visitor.visit_seq(Seq(items.iter())),
            Value::Object(members) => visitor.visit_map(Members {
                iter: members.iter(),
                value: None,
            }),
        }
    }

    lenient_number! {
        deserialize_i8 => i8, visit_i8;
        deserialize_i16 => i16, visit_i16;
        deserialize_i32 => i32, visit_i32;
        deserialize_i64 => i64, visit_i64;
        deserialize_u8 => u8, visit_u8;
        deserialize_u16 => u16, visit_u16;
        deserialize_u32 => u32, visit_u32;
        deserialize_u64 => u64, visit_u64;
        deserialize_f32 => f32, visit_f32;
        deserialize_f64 => f64, visit_f64;
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(text) => match text.trim() {
                "true" | "1" => visitor.visit_bool(true),
                "false" | "0" => visitor.visit_bool(false),
                _ => Err(de::Error::invalid_value(Unexpected::Str(text), &visitor)),
            },
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Number(number) => visitor.visit_string(number.to_string()),
            Value::Bool(flag) => visitor.visit_str(if *flag { "true" } else { "false" }),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::String(text) if text.trim().is_empty() => visitor.visit_unit(),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Seq(items.iter())),
            Value::Null => visitor.visit_seq(Seq([].iter())),
            _ => visitor.visit_seq(Seq(std::slice::from_ref(self.0).iter())),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(text) if text.trim().is_empty() => visitor.visit_map(Members {
                iter: std::iter::empty(),
                value: None,
            }),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(text) => {
                let variant: StrDeserializer<'_, Error> = text.trim().into_deserializer();
                visitor.visit_enum(variant)
            }
            Value::Object(members) if members.len() == 1 => match members.iter().next() {
                Some((variant, value)) => visitor.visit_enum(Variant {
                    name: variant,
                    value,
                }),
                None => Err(de::Error::invalid_length(0, &"one variant")),
            },
            other => Err(de::Error::invalid_type(
                unexpected(other),
                &"an enum variant name",
            )),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf identifier
    }
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(flag) => Unexpected::Bool(*flag),
        Value::Number(_) => Unexpected::Other("number"),
        Value::String(text) => Unexpected::Str(text),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// The items of a list.
struct Seq<I>(I);

impl<'de, 'a, I: Iterator<Item = &'a Value>> SeqAccess<'de> for Seq<I> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        match self.0.next() {
            Some(item) => seed.deserialize(Node(item)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        match self.0.size_hint() {
            (lower, Some(upper)) if lower == upper => Some(upper),
            _ => None,
        }
    }
}

/// The members of an object.
struct Members<'a, I> {
    iter: I,
    value: Option<&'a Value>,
}

impl<'de, 'a, I: Iterator<Item = (&'a String, &'a Value)>> MapAccess<'de> for Members<'a, I> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                let key: StrDeserializer<'_, Error> = key.as_str().into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Node(value)),
            None => Err(de::Error::custom(
                "a map value was requested before its key",
            )),
        }
    }
}

/// An externally tagged enum variant: `{"Variant": value}`.
struct Variant<'a> {
    name: &'a str,
    value: &'a Value,
}

impl<'de, 'a> EnumAccess<'de> for Variant<'a> {
    type Error = Error;
    type Variant = Node<'a>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Node<'a>), Error> {
        let name: StrDeserializer<'_, Error> = self.name.into_deserializer();
        Ok((seed.deserialize(name)?, Node(self.value)))
    }
}

impl<'de> VariantAccess<'de> for Node<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Sample {
        count: u32,
        ratio: f64,
        delta: i16,
        active: bool,
        #[serde(default)]
        codes: Vec<String>,
        note: Option<String>,
        kind: Kind,
        inner: Inner,
        label: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "kebab-case")]
    enum Kind {
        Echo,
        TokenIssue,
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(rename_all = "PascalCase")]
    struct Inner {
        #[serde(default)]
        value: Option<String>,
    }

    #[test]
    fn strings_stand_for_numbers_booleans_and_single_values_for_lists() {
        let tree = json!({
            "Count": " 42 ", "Ratio": "0.5", "Delta": "-7", "Active": "1", "Codes": "only",
            "Kind": "token-issue", "Inner": "", "Label": 17
        });
        let sample: Sample = from_tree(&tree).expect("lenient decode");
        assert_eq!(
            sample,
            Sample {
                count: 42,
                ratio: 0.5,
                delta: -7,
                active: true,
                codes: vec!["only".into()],
                note: None,
                kind: Kind::TokenIssue,
                inner: Inner::default(),
                label: "17".into(),
            }
        );
    }

    #[test]
    fn typed_json_values_still_work() {
        let tree = json!({
            "Count": 3, "Ratio": 2, "Delta": -1, "Active": false, "Codes": ["a", "b"], "Note": "n",
            "Kind": "echo", "Inner": {"Value": "v"}, "Label": "l"
        });
        let sample: Sample = from_tree(&tree).expect("typed decode");
        assert_eq!(sample.codes, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(sample.ratio, 2.0);
        assert_eq!(sample.delta, -1);
        assert_eq!(sample.note.as_deref(), Some("n"));
        assert_eq!(sample.inner.value.as_deref(), Some("v"));
    }

    #[test]
    fn wrong_values_are_errors_not_panics() {
        let base = json!({"Ratio": "1", "Delta": "1", "Active": "true", "Kind": "echo", "Inner": "", "Label": ""});
        let with = |key: &str, value: Value| {
            let mut tree = base.clone();
            tree["Count"] = json!("1");
            tree[key] = value;
            from_tree::<Sample>(&tree)
        };
        assert!(with("Count", json!("many")).is_err());
        assert!(with("Count", json!("-1")).is_err());
        assert!(with("Delta", json!("70000")).is_err());
        assert!(with("Active", json!("yes")).is_err());
        assert!(with("Kind", json!("sleep")).is_err());
        assert!(with("Inner", json!("text")).is_err());
        assert!(with("Count", json!("7")).is_ok());
        let missing = json!({"Count": "1"});
        let error = from_tree::<Sample>(&missing).expect_err("missing fields");
        assert!(error.to_string().contains("missing field"), "{error}");
    }

    #[test]
    fn null_is_an_empty_list_and_none() {
        #[derive(Debug, Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Lists {
            items: Vec<u8>,
            maybe: Option<u8>,
        }
        let lists: Lists = from_tree(&json!({"Items": null, "Maybe": null})).expect("nulls");
        assert!(lists.items.is_empty());
        assert_eq!(lists.maybe, None);
    }

    #[test]
    fn externally_tagged_variants_decode() {
        #[derive(Debug, Deserialize, PartialEq)]
        enum Shape {
            Point,
            Circle(u32),
            Pair(u8, u8),
            Box { width: u8 },
        }
        assert_eq!(from_tree::<Shape>(&json!("Point")).ok(), Some(Shape::Point));
        assert_eq!(
            from_tree::<Shape>(&json!({"Point": ""})).ok(),
            Some(Shape::Point)
        );
        assert_eq!(
            from_tree::<Shape>(&json!({"Circle": "5"})).ok(),
            Some(Shape::Circle(5))
        );
        assert_eq!(
            from_tree::<Shape>(&json!({"Pair": ["1", "2"]})).ok(),
            Some(Shape::Pair(1, 2))
        );
        assert_eq!(
            from_tree::<Shape>(&json!({"Box": {"width": "3"}})).ok(),
            Some(Shape::Box { width: 3 })
        );
        assert!(from_tree::<Shape>(&json!(["Point"])).is_err());
    }
}
