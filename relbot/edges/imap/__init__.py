"""The IMAP edge: one connection through imapclient, and reconnecting with backoff."""
