import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { AGENT_STATUSES, AGENT_TYPES, type AgentStatus, type AgentType } from '@greenlight/contracts';

@Entity({ name: 'agents' })
export class AgentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  org_id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'enum', enumName: 'agent_type', enum: AGENT_TYPES })
  agent_type: AgentType;

  @Column({ type: 'enum', enumName: 'agent_status', enum: AGENT_STATUSES, default: 'draft' })
  status: AgentStatus;

  /** Where evaluation runs POST `{ "input": ... }`; null until the agent is reachable. */
  @Column({ type: 'text', nullable: true })
  api_endpoint: string | null;

  @Column({ type: 'text', nullable: true })
  owner: string | null;

  @Column({ type: 'uuid', nullable: true })
  eval_profile_id: string | null;

  /** Calls per second evaluation runs may make to the agent, across every worker; null = unlimited. */
  @Column({ type: 'integer', nullable: true })
  max_calls_per_second: number | null;

  @Column({ type: 'jsonb', default: {} })
  metadata: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated_at: Date;
}
