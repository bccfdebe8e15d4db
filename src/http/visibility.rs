//! What a caller may see. The admin sees every conversation; an agent sees
//! the conversations of their divisions, those assigned to them, and those
//! with neither a division nor an assignee (nobody's yet: every agent's,
//! as a Chatwoot user expects of an unassigned inbox). Anything else is
//! answered 404, as if it did not exist — never 403, which would confirm
//! that it does.

use super::auth::{Agent, Caller};
use crate::conversation::Conversation;
use crate::error::ApiError;
use crate::store::AgentScope;

impl Agent {
    pub fn can_see(&self, c: &Conversation) -> bool {
        let assigned_to_me = c.assignee.as_ref().is_some_and(|a| a.id == self.id);
        let nobodys = c.division.is_none() && c.assignee.is_none();
        let my_division = c
            .division
            .as_ref()
            .is_some_and(|d| self.divisions.iter().any(|m| &m.name == d));
        assigned_to_me || nobodys || my_division
    }

    /// The same rule for listing in SQL.
    pub fn scope(&self) -> AgentScope {
        AgentScope {
            agent_id: self.id,
            division_ids: self.divisions.iter().map(|d| d.id).collect(),
        }
    }
}

impl Caller {
    pub fn can_see(&self, c: &Conversation) -> bool {
        match self {
            Caller::Admin => true,
            Caller::Agent(a) => a.can_see(c),
        }
    }

    /// `c` if the caller may see it, else the 404 it would get for a
    /// conversation that does not exist.
    pub fn visible(&self, c: Conversation) -> Result<Conversation, ApiError> {
        match self.can_see(&c) {
            true => Ok(c),
            false => Err(ApiError::not_found("conversation")),
        }
    }

    /// For listings: `None` for the admin (everything).
    pub fn scope(&self) -> Option<AgentScope> {
        match self {
            Caller::Admin => None,
            Caller::Agent(a) => Some(a.scope()),
        }
    }

    pub fn agent_id(&self) -> Option<i64> {
        match self {
            Caller::Admin => None,
            Caller::Agent(a) => Some(a.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{AgentRef, ChannelKind, Contact, Status, Ts};
    use crate::store::DivisionRef;

    fn conversation(division: Option<&str>, assignee: Option<i64>) -> Conversation {
        Conversation {
            id: 1,
            channel: ChannelKind::Api,
            account: None,
            status: Status::Pending,
            contact: Contact {
                id: 1,
                name: None,
                handle: "c".into(),
            },
            division: division.map(str::to_string),
            assignee: assignee.map(|id| AgentRef {
                id,
                name: "x".into(),
            }),
            tags: Vec::new(),
            failure_count: 0,
            paused_until: None,
            summary: None,
            last_inbound_at: None,
            created_at: Ts(0),
            updated_at: Ts(0),
        }
    }

    #[test]
    fn an_agent_sees_their_divisions_their_own_and_nobodys() {
        let me = Caller::Agent(Agent {
            id: 7,
            name: "Ana".into(),
            divisions: vec![DivisionRef {
                id: 1,
                name: "Sales".into(),
            }],
        });
        assert!(me.can_see(&conversation(Some("Sales"), None)));
        assert!(me.can_see(&conversation(Some("Sales"), Some(8))));
        assert!(me.can_see(&conversation(Some("Billing"), Some(7))));
        assert!(me.can_see(&conversation(None, None)));
        assert!(!me.can_see(&conversation(Some("Billing"), None)));
        assert!(!me.can_see(&conversation(None, Some(8))));
        assert!(Caller::Admin.can_see(&conversation(Some("Billing"), Some(8))));
        assert!(matches!(
            me.visible(conversation(Some("Billing"), None)),
            Err(ApiError::NotFound(_))
        ));
    }
}
