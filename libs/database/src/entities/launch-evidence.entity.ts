import { Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One append-only, hash-chained launch record of an agent: a decision or a certification. */
@Entity({ name: 'launch_records' })
export class LaunchRecordEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
}
