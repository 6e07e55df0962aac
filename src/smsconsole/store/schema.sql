-- smsconsole store, version 1. Applied by smsconsole.store.migrations when user_version < 1.
-- The events table is the log the websocket feed replays; the other tables are derived
-- from what the callbacks and the API recorded, kept in the same transactions.

CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,   -- the feed's resume cursor; never reused
    kind TEXT NOT NULL,                      -- message.received, call.updated, ...
    time TEXT NOT NULL,                      -- when it was recorded, ISO-8601 UTC
    body TEXT NOT NULL                       -- the feed's JSON for it
) STRICT;

CREATE TABLE callbacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    headers TEXT NOT NULL,                   -- JSON object, credentials removed
    body TEXT NOT NULL,                      -- the JSON body, or the query string of a GET
    event_type TEXT,
    dedupe_key TEXT,
    outcome TEXT NOT NULL,                   -- stored | duplicate
    event_seq INTEGER                        -- first event it produced, if any
) STRICT;
CREATE UNIQUE INDEX callbacks_dedupe ON callbacks (dedupe_key) WHERE outcome = 'stored';

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    our_number TEXT NOT NULL,
    remote_number TEXT NOT NULL,
    last_message_id TEXT,
    last_time TEXT NOT NULL,
    last_direction TEXT,
    last_preview TEXT NOT NULL DEFAULT '',
    unread INTEGER NOT NULL DEFAULT 0,
    activity INTEGER NOT NULL                -- events.seq of the latest activity: sort key
) STRICT;
CREATE INDEX conversations_activity ON conversations (activity DESC);

CREATE TABLE messages (
    n INTEGER PRIMARY KEY AUTOINCREMENT,     -- arrival order; the full-text index's rowid
    id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    media TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL,
    delivery_state TEXT,
    delivery_code TEXT,
    delivery_description TEXT,
    provider_id TEXT UNIQUE,
    time TEXT NOT NULL,
    error_code TEXT,
    error_message TEXT
) STRICT;
CREATE INDEX messages_thread ON messages (conversation_id, time DESC, id DESC);
CREATE INDEX messages_time ON messages (time);

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content='messages', content_rowid='n', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.n, new.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.n, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.n, new.text);
END;

CREATE TABLE calls (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    provider_id TEXT UNIQUE,
    direction TEXT NOT NULL,
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    state TEXT NOT NULL,
    start_time TEXT,
    active_time TEXT,
    end_time TEXT,
    cause TEXT,
    activity INTEGER NOT NULL
) STRICT;
CREATE INDEX calls_activity ON calls (activity DESC);

CREATE TABLE call_events (
    seq INTEGER PRIMARY KEY,                 -- the events.seq that recorded it
    call_id TEXT NOT NULL,
    type TEXT NOT NULL,
    detail TEXT NOT NULL                     -- JSON of the domain event
) STRICT;
CREATE INDEX call_events_call ON call_events (call_id, seq);

CREATE TABLE numbers (
    id TEXT PRIMARY KEY,                     -- the provider's id (n-...)
    number TEXT NOT NULL UNIQUE,
    national_number TEXT,
    name TEXT,
    application_id TEXT,
    city TEXT,
    state TEXT,
    price TEXT,
    created_time TEXT,
    number_state TEXT
) STRICT;

CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL                       -- JSON of the provider's fields
) STRICT;

CREATE TABLE contacts (
    number TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;
