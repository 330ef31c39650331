import { Module } from '@nestjs/common';
import { AccountsModule } from '@greenlight/accounts';
import { PlatformModule } from '@greenlight/platform';
import { GoldenSetFileIngestService } from './golden-set-file-ingest.service';
import { GoldenSetsService } from './golden-sets.service';

const PROVIDERS = [GoldenSetsService, GoldenSetFileIngestService];

/** Golden sets: versioned test cases of an agent, typed in or uploaded as CSV, JSONL or XLSX. */
@Module({ imports: [PlatformModule, AccountsModule], providers: PROVIDERS, exports: PROVIDERS })
export class GoldenSetsModule {}
