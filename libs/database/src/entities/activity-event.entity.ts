import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'activity_events' })
export class ActivityEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  org_id: string;

  @Column({ type: 'uuid', nullable: true })
  agent_id: string | null;

  @Column({ type: 'text' })
  event_type: string;

  @Column({ type: 'uuid', nullable: true })
  actor_key_id: string | null;

  @Column({ type: 'text', nullable: true })
  request_id: string | null;

  @Column({ type: 'jsonb', default: {} })
  metadata: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;
}
