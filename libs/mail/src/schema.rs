//! The diesel description of the `mail_outbox` table.
//!
//! Each service that sends mail creates this table in its own migrations, with the same
//! columns on both backends; this crate never creates it.

diesel::table! {
    /// Messages waiting to be sent, sent, or parked for an operator.
    mail_outbox (id) {
        /// Application-generated id (UUIDv7 text); sorts by creation time.
        id -> Text,
        /// The tenant the message belongs to; `NULL` for platform mail.
        tenant_id -> Nullable<Text>,
        /// The recipient's bare email address.
        recipient -> Text,
        /// The template's name, as the renderer knows it.
        template -> Text,
        /// The template's parameters as JSON; `{}` once sent.
        params -> Text,
        /// `pending`, `sent` or `parked`.
        status -> Text,
        /// Failed attempts so far.
        attempts -> Integer,
        /// When the next attempt may be made (UTC).
        next_attempt_at -> Timestamp,
        /// A worker holds the message until then (UTC); `NULL` when nobody does.
        locked_until -> Nullable<Timestamp>,
        /// Why the last attempt failed.
        last_error -> Nullable<Text>,
        /// When the message was queued (UTC).
        created_at -> Timestamp,
        /// When the relay accepted the message (UTC).
        sent_at -> Nullable<Timestamp>,
        /// The subject, once an attempt rendered the message.
        subject -> Nullable<Text>,
        /// The text body with its secrets withheld, once an attempt rendered the message.
        text_body -> Nullable<Text>,
    }
}
