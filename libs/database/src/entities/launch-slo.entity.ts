import { Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An agent's launch readiness checklist (one per agent). */
@Entity({ name: 'agent_readiness' })
export class AgentReadinessEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
}

/** An agent's SLO policy (one per agent). */
@Entity({ name: 'slo_policies' })
export class SloPolicyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
}

/** A breach of an SLO policy threshold by a run or a compare. */
@Entity({ name: 'slo_violations' })
export class SloViolationEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
}
