-- Saved queries for the Enaction events (paste into Seq's query bar, or save them under Queries).
-- Event ids are stable: 4101 finding, 4102 policy decision, 4103 action outcome, 4104 scoring failure,
-- 4105 policy reloaded, 4106 policy rejected, 4107 turn monitored (debug), 4108 escalated.

-- Findings per kind, 5-minute buckets
select count(*) from stream where EventId.Id = 4101 group by time(5m), FindingKind;

-- Findings per agent and severity over the last day
select count(*) from stream where EventId.Id = 4101 and @Timestamp > Now() - 1d group by Agent, Severity;

-- Action outcomes (how often strip / resample / verify / block actually changed something)
select count(*) from stream where EventId.Id = 4103 group by Action, Outcome;

-- Monitor latency per stage: p50 / p95 / max
select percentile(LatencyMs, 50) as p50, percentile(LatencyMs, 95) as p95, max(LatencyMs) as worst
  from stream where EventId.Id = 4107 group by time(5m), Stage;

-- Scoring failures by failure mode (fail-closed ones blocked a turn)
select count(*) from stream where EventId.Id = 4104 group by time(15m), FailureMode;

-- Conversations with the most high-severity findings
select count(*) as findings from stream where EventId.Id = 4101 and Severity = 'high'
  group by ConversationId order by findings desc limit 20;

-- One conversation, everything the monitor said about it (replace the id)
select @Timestamp, @Message from stream where ConversationId = 'conv-0123456789abcdef' order by @Timestamp;
