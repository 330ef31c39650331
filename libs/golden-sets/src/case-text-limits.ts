import { AppConfig } from '@greenlight/config';
import type { CaseTextLimits } from './case-input';

/** The configured lengths of input, expected answer and criteria (GOLDEN_SET_MAX_*_CHARS). */
export function caseTextLimits(config: AppConfig): CaseTextLimits {
  return {
    input_chars: config.get('GOLDEN_SET_MAX_INPUT_CHARS'),
    expected_answer_chars: config.get('GOLDEN_SET_MAX_EXPECTED_ANSWER_CHARS'),
    criteria_chars: config.get('GOLDEN_SET_MAX_CRITERIA_CHARS'),
  };
}
