-- The handover engine: tasks carry the summary and are flagged overdue once;
-- divisions may override the customer messages and the action list; a
-- conversation remembers the local date it last got the out-of-hours
-- message (at most once a day) and when its assignee was given it (for
-- reassignment after silence); pause timers are found by time.
ALTER TABLE tasks ADD COLUMN description TEXT;
ALTER TABLE tasks ADD COLUMN overdue_at BIGINT;
CREATE INDEX tasks_due ON tasks (due_at) WHERE status = 'open';
ALTER TABLE divisions ADD COLUMN handover_message TEXT;
ALTER TABLE divisions ADD COLUMN offline_message TEXT;
ALTER TABLE divisions ADD COLUMN out_of_hours_message TEXT;
ALTER TABLE divisions ADD COLUMN actions TEXT;
ALTER TABLE conversations ADD COLUMN out_of_hours_notified_on TEXT;
ALTER TABLE conversations ADD COLUMN assigned_at BIGINT;
CREATE INDEX conversations_paused ON conversations (paused_until) WHERE paused_until IS NOT NULL;
