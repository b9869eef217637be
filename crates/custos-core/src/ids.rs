//! One id type per entity, so that one kind of id can never be passed for another.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID read from storage or a verified source.
            pub fn from_uuid(u: Uuid) -> Self { Self(u) }
            /// A new time-ordered id (UUIDv7) for the given instant.
            pub fn new_at(at: time::OffsetDateTime) -> Self {
                let nanos = at.unix_timestamp_nanos();
                let secs = nanos.div_euclid(1_000_000_000) as u64;
                let sub = nanos.rem_euclid(1_000_000_000) as u32;
                Self(Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, sub)))
            }
            /// The UUID.
            pub fn as_uuid(&self) -> Uuid { self.0 }
            /// Parses the hyphenated form; `None` for anything else.
            pub fn parse(s: &str) -> Option<Self> { Uuid::try_parse(s).ok().map(Self) }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { self.0.fmt(f) }
        }
    };
}

id_type!(
    /// A tenant (one business).
    TenantId
);
id_type!(
    /// A customer (data subject).
    CustomerId
);
id_type!(
    /// A staff user.
    UserId
);
id_type!(
    /// A bearer token or session.
    TokenId
);
id_type!(
    /// A timeline record.
    RecordId
);
id_type!(
    /// An audit event.
    EventId
);
id_type!(
    /// A POS or booking device.
    DeviceId
);
id_type!(
    /// An alert.
    AlertId
);
id_type!(
    /// A break-glass grant.
    GrantId
);
