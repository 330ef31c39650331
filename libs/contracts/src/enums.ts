/** Value sets stored as Postgres enums; the migrations create the same lists. */
export const AGENT_TYPES = ['search_retrieval', 'document_generator', 'dashboard_analytics', 'triage_classification', 'analysis'] as const;
export type AgentType = (typeof AGENT_TYPES)[number];

export const AGENT_STATUSES = ['draft', 'active', 'paused', 'retired'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const API_KEY_STATUSES = ['active', 'revoked'] as const;
export type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];

export const SCORING_SCALES = ['binary', 'likert_1_5', 'percent_0_100'] as const;
export type ScoringScale = (typeof SCORING_SCALES)[number];
