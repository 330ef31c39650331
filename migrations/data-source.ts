import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { buildDataSourceOptions } from '@greenlight/database';

/** Data source for the TypeORM CLI (`typeorm migration:generate -d dist/migrations/data-source.js`). */
export default new DataSource(buildDataSourceOptions(AppConfig.fromEnv()));
