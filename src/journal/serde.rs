//! How the journal writes numbers and times: infinities as Prometheus spells them,
//! timestamps as RFC 3339 with milliseconds.

use chrono::{DateTime, SecondsFormat, Utc};

/// Numbers as the journal keeps them: finite ones as JSON numbers, infinities as the
/// strings Prometheus uses (`"+Inf"`, `"-Inf"`), because JSON has no infinity and
/// serde_json would write `null` — which reads back as missing data, and a latency of
/// +Inf (nothing answered) would pass every threshold. NaN is never a value (it is an
/// error upstream); if one reaches here it is written as `"NaN"` and read back as NaN.
pub mod num {
    use serde::de::{self, Deserializer, Visitor};
    use serde::ser::Serializer;
    use serde::{Deserialize, Serialize};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else if v.is_nan() {
            s.serialize_str("NaN")
        } else if *v > 0.0 {
            s.serialize_str("+Inf")
        } else {
            s.serialize_str("-Inf")
        }
    }

    struct NumVisitor;

    impl Visitor<'_> for NumVisitor {
        type Value = f64;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a number, \"+Inf\", \"-Inf\" or \"NaN\"")
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
            match v {
                "+Inf" | "Inf" => Ok(f64::INFINITY),
                "-Inf" => Ok(f64::NEG_INFINITY),
                "NaN" => Ok(f64::NAN),
                other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
            }
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        d.deserialize_any(NumVisitor)
    }

    /// A number in this form, for use inside other types.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Num(pub f64);

    impl Serialize for Num {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize(&self.0, s)
        }
    }

    impl<'de> Deserialize<'de> for Num {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
            deserialize(d).map(Num)
        }
    }

    /// `Option<f64>`: `null` (or absent, with `#[serde(default)]`) is `None`.
    pub mod opt {
        use super::Num;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
            v.map(Num).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
            Ok(Option::<Num>::deserialize(d)?.map(|n| n.0))
        }
    }

    /// `Result<f64, String>`, as serde writes a `Result` (`{"Ok": ..}` / `{"Err": ..}`).
    pub mod res {
        use super::Num;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub fn serialize<S: Serializer>(v: &Result<f64, String>, s: S) -> Result<S::Ok, S::Error> {
            v.as_ref().map(|v| Num(*v)).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Result<f64, String>, D::Error> {
            Ok(Result::<Num, String>::deserialize(d)?.map(|n| n.0))
        }
    }

    /// `Option<Result<f64, String>>`.
    pub mod opt_res {
        use super::Num;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub fn serialize<S: Serializer>(
            v: &Option<Result<f64, String>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            v.as_ref().map(|r| r.as_ref().map(|v| Num(*v))).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Result<f64, String>>, D::Error> {
            Ok(Option::<Result<Num, String>>::deserialize(d)?.map(|r| r.map(|n| n.0)))
        }
    }

    /// Back-filled points: `(time, value or None)`.
    pub mod points {
        use super::Num;
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        type Points = Vec<(DateTime<Utc>, Option<f64>)>;

        pub fn serialize<S: Serializer>(v: &Points, s: S) -> Result<S::Ok, S::Error> {
            v.iter()
                .map(|(t, v)| (*t, v.map(Num)))
                .collect::<Vec<_>>()
                .serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Points, D::Error> {
            Ok(Vec::<(DateTime<Utc>, Option<Num>)>::deserialize(d)?
                .into_iter()
                .map(|(t, v)| (t, v.map(|n| n.0)))
                .collect())
        }
    }
}

/// RFC 3339 with milliseconds, UTC, `Z`.
pub mod ts_ms {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ts: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&ts.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

/// An optional RFC 3339 timestamp with milliseconds.
pub mod opt_ts_ms {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ts: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match ts {
            Some(ts) => super::ts_ms::serialize(ts, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => DateTime::parse_from_rfc3339(&s)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(serde::de::Error::custom),
        }
    }
}

pub fn format_ts(ts: DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(SecondsFormat::Millis, true)
}
