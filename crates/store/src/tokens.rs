//! API tokens of `itinera serve` (`/v1`): who may publish journeys, push contacts and events, or
//! read stats and timelines.
//!
//! A token is `itn_` followed by 32 random bytes from the operating system in hex; it is shown
//! once, when it is made, and the store keeps only its SHA-256 (hex) with a short public id
//! (`tok_` + 8 hex), a name, a scope and when it was made and revoked. Checking a token hashes
//! what the client sent and looks the hash up by its unique index: the comparison happens on
//! hashes, so how long it takes says nothing about the token.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Error, Result, Sql, Tx, from_nanos, nanos};

/// Every token starts with this, so that one pasted in the wrong place is recognisable (and
/// secret scanners can find it).
pub const TOKEN_PREFIX: &str = "itn_";

/// What a token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Publish journeys and pause, resume or archive them.
    Publish,
    /// Upsert contacts and push events.
    Ingest,
    /// Read journeys, contacts, timelines and stats.
    Read,
}

impl Scope {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Publish => "publish",
            Scope::Ingest => "ingest",
            Scope::Read => "read",
        }
    }

    /// The scope of a stored word (`None` for anything else).
    pub fn parse(word: &str) -> Option<Scope> {
        match word {
            "publish" => Some(Scope::Publish),
            "ingest" => Some(Scope::Ingest),
            "read" => Some(Scope::Read),
            _ => None,
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Public id (`tok_` + 8 hex), for `token revoke`.
    pub id: String,
    /// What the operator called it.
    pub name: String,
    /// What it allows.
    pub scope: Scope,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was revoked (a revoked token is refused).
    pub revoked_at: Option<Timestamp>,
}

/// A token just made: the only time the secret is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// Its stored description.
    pub info: TokenInfo,
    /// The secret the client sends as `Authorization: Bearer …`.
    pub token: String,
}

/// The SHA-256 of a token, in hex (what the store keeps).
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| Error::Random(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(TokenInfo, String)> {
    let scope: String = r.get(2)?;
    let scope = Scope::parse(&scope).ok_or_else(|| rusqlite::Error::InvalidColumnType(2, "scope".into(), rusqlite::types::Type::Text))?;
    Ok((
        TokenInfo {
            id: r.get(0)?,
            name: r.get(1)?,
            scope,
            created_at: from_nanos(r.get(3)?),
            revoked_at: r.get::<_, Option<i64>>(4)?.map(from_nanos),
        },
        r.get(5)?,
    ))
}

const TOKEN_COLUMNS: &str = "id, name, scope, created_at, revoked_at, hash";

impl Tx<'_> {
    /// Makes a token with this scope (random secret and id) and stores its hash.
    pub fn create_token(&self, name: &str, scope: Scope, now: Timestamp) -> Result<NewToken> {
        let token = format!("{TOKEN_PREFIX}{}", random_hex(32)?);
        // 8 hex digits: a collision among a server's few tokens is unlikely; retry if it happens.
        for _ in 0..8 {
            let id = format!("tok_{}", random_hex(4)?);
            let n = self
                .tx
                .prepare_cached(
                    "INSERT INTO tokens (id, name, scope, hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
                )
                .at(self.path)?
                .execute(params![id, name, scope.as_str(), token_hash(&token), nanos(now)])
                .at(self.path)?;
            if n == 1 {
                return Ok(NewToken { info: TokenInfo { id, name: name.to_string(), scope, created_at: now, revoked_at: None }, token });
            }
        }
        Err(Error::Random("no free token id after 8 draws".into()))
    }

    /// Every token, oldest first (revoked ones included).
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        let mut stmt = self.tx.prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id")).at(self.path)?;
        stmt.query_map([], token_row).at(self.path)?.map(|r| r.map(|(info, _)| info)).collect::<rusqlite::Result<Vec<_>>>().at(self.path)
    }

    /// Revokes a token by id; returns whether it was live (false: unknown or revoked already).
    pub fn revoke_token(&self, id: &str, now: Timestamp) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached("UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")
            .at(self.path)?
            .execute(params![id, nanos(now)])
            .at(self.path)?;
        Ok(n == 1)
    }

    /// The token whose secret is `token` (by its hash), revoked or not.
    pub fn token_by_secret(&self, token: &str) -> Result<Option<TokenInfo>> {
        let mut stmt = self.tx.prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE hash = ?1")).at(self.path)?;
        Ok(stmt.query_row([token_hash(token)], token_row).optional().at(self.path)?.map(|(info, _)| info))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn a_token_is_found_by_its_secret_until_revoked_and_only_its_hash_is_stored() {
        let mut store = Store::open_in_memory().unwrap();
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let tx = store.transaction().unwrap();
        let made = tx.create_token("ci", Scope::Ingest, now).unwrap();
        let other = tx.create_token("reader", Scope::Read, now).unwrap();
        tx.commit().unwrap();
        assert!(made.token.starts_with(TOKEN_PREFIX) && made.token.len() == TOKEN_PREFIX.len() + 64, "{}", made.token);
        assert!(made.info.id.starts_with("tok_") && made.info.id.len() == 12);
        assert_ne!(made.token, other.token);

        let tx = store.transaction().unwrap();
        assert_eq!(tx.token_by_secret(&made.token).unwrap(), Some(made.info.clone()));
        assert_eq!(tx.token_by_secret("itn_00").unwrap(), None);
        let stored: Vec<String> =
            tx.conn().prepare("SELECT hash FROM tokens").unwrap().query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect();
        assert!(!stored.iter().any(|h| h.contains(&made.token[4..])), "the secret itself is not stored");
        assert!(stored.contains(&token_hash(&made.token)));
        assert!(tx.revoke_token(&made.info.id, now).unwrap());
        assert!(!tx.revoke_token(&made.info.id, now).unwrap(), "revoked twice");
        assert!(!tx.revoke_token("tok_nothere", now).unwrap());
        assert_eq!(tx.token_by_secret(&made.token).unwrap().unwrap().revoked_at, Some(now));
        let listed = tx.tokens().unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed.iter().find(|t| t.id == other.info.id).unwrap().scope, Scope::Read);
    }
}
