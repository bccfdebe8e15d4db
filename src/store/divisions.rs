//! Divisions: the teams conversations are handed to.

use super::{Store, StoreError};
use crate::handover::Division;
use crate::params;

fn division_from(r: &super::DbRow) -> Result<Division, StoreError> {
    Ok(Division {
        id: r.i64("id")?,
        name: r.text("name")?,
        prompt: r.text("prompt")?,
        keywords: r.json("keywords")?.unwrap_or_default(),
    })
}

fn unique(e: StoreError, name: &str) -> StoreError {
    let duplicate = match &e {
        StoreError::Db(sqlx::Error::Database(d)) => d.is_unique_violation(),
        StoreError::Sqlite(s) => super::sqlite::is_unique_violation(s),
        _ => false,
    };
    if duplicate {
        StoreError::Conflict(format!("a division named `{name}` already exists"))
    } else {
        e
    }
}

impl Store {
    pub async fn divisions(&self) -> Result<Vec<Division>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                "SELECT id, name, prompt, keywords FROM divisions ORDER BY id",
                &[],
            )
            .await?;
        rows.iter().map(division_from).collect()
    }

    pub async fn create_division(
        &self,
        name: &str,
        prompt: &str,
        keywords: &[String],
    ) -> Result<Division, StoreError> {
        let now = self.now();
        let kw = serde_json::to_string(keywords).unwrap_or_else(|_| "[]".into());
        let mut tx = self.begin().await?;
        let row = tx
            .fetch_one(
                "INSERT INTO divisions (name, prompt, keywords, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $4) RETURNING id, name, prompt, keywords",
                params![name, prompt, kw, now],
            )
            .await
            .map_err(|e| unique(e, name))?;
        let d = division_from(&row)?;
        tx.event(
            "division.created",
            None,
            serde_json::json!({"id": d.id, "name": d.name}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(d)
    }

    pub async fn update_division(
        &self,
        id: i64,
        name: Option<&str>,
        prompt: Option<&str>,
        keywords: Option<&[String]>,
    ) -> Result<Division, StoreError> {
        let now = self.now();
        let kw = keywords.map(|k| serde_json::to_string(k).unwrap_or_else(|_| "[]".into()));
        let mut tx = self.begin().await?;
        let row = tx
            .fetch_optional(
                "UPDATE divisions SET name = COALESCE($2, name), prompt = COALESCE($3, prompt),
                    keywords = COALESCE($4, keywords), updated_at = $5
                 WHERE id = $1 RETURNING id, name, prompt, keywords",
                params![id, name, prompt, kw, now],
            )
            .await
            .map_err(|e| unique(e, name.unwrap_or_default()))?
            .ok_or(StoreError::NotFound)?;
        let d = division_from(&row)?;
        tx.commit().await?;
        Ok(d)
    }

    /// Sets a division's handover overrides (`(column, value)`: `None`
    /// leaves it, `Some("")` clears it back to the global setting);
    /// returns them all as they are now.
    pub async fn set_division_overrides(
        &self,
        id: i64,
        changes: &[(&str, Option<&str>)],
    ) -> Result<serde_json::Value, StoreError> {
        const COLUMNS: [&str; 4] = [
            "handover_message",
            "offline_message",
            "out_of_hours_message",
            "actions",
        ];
        let mut tx = self.begin().await?;
        for (column, value) in changes {
            let (Some(value), true) = (value, COLUMNS.contains(column)) else {
                continue;
            };
            let value = value.trim();
            let sql = format!("UPDATE divisions SET {column} = $2 WHERE id = $1");
            tx.execute(&sql, params![id, (!value.is_empty()).then_some(value)])
                .await?;
        }
        let row = tx
            .fetch_optional(
                "SELECT handover_message, offline_message, out_of_hours_message, actions
                 FROM divisions WHERE id = $1",
                params![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut out = serde_json::Map::new();
        for column in COLUMNS {
            out.insert(column.into(), serde_json::json!(row.opt_text(column)?));
        }
        tx.commit().await?;
        Ok(serde_json::Value::Object(out))
    }

    pub async fn delete_division(&self, id: i64) -> Result<(), StoreError> {
        let n = self
            .db
            .execute("DELETE FROM divisions WHERE id = $1", params![id])
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
