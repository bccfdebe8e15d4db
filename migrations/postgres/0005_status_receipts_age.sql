-- Receipts are pruned by age (parked ones for sends never recorded after an
-- hour, all after a week), so they need an index on the receive time.
CREATE INDEX status_receipts_received ON status_receipts (received_at);
