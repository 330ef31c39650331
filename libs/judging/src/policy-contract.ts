import { ErrorCode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import type { JudgeInput, JudgeVerdict, ProfileSnapshot } from './judge.types';

/**
 * Profile as policy (seed step 28): whatever judge scored a case, its verdict must speak the
 * profile's language — scores on the profile's scales, tags from its allow-list, and in criteria
 * mode every dimension the profile requires. A verdict that does not is not stored: the run fails
 * with EVAL_POLICY_CONTRACT_ERROR, because a score outside the contract cannot be compared with
 * any other run of the same profile.
 */
export type PolicyRule = 'score_scale' | 'issue_tag_allowlist' | 'required_dimensions' | 'unknown_dimension';

export interface PolicyViolation {
  rule: PolicyRule;
  /** Path of the offending value, e.g. `criteria_scores.tone`, `issue_tags[2]`, `case.dimensions[0]`. */
  field: string;
  message: string;
  value: unknown;
}

/**
 * The dimension keys a criteria-mode case is scored on: the profile's required dimensions, then any
 * other dimension the case asks for. Required dimensions are always included because the policy
 * contract demands them; a case that lists dimensions adds to them rather than replacing them, so a
 * well-behaved judge can never break the contract just by following the case.
 */
export function dimensionsToScore(input: Pick<JudgeInput, 'case' | 'profile'>): string[] {
  const keys = input.profile.dimensions.filter((d) => d.required).map((d) => d.key);
  for (const k of input.case.dimensions) if (!keys.includes(k)) keys.push(k);
  return keys;
}

export function checkPolicyContract(verdict: JudgeVerdict, input: JudgeInput): PolicyViolation[] {
  const { profile } = input;
  const violations: PolicyViolation[] = [];
  const quality = profile.scoring_scale.quality;
  const criteria = profile.scoring_scale.criteria;

  if (!inScale(verdict.quality_score, quality)) {
    violations.push({
      rule: 'score_scale',
      field: 'quality_score',
      message: `quality_score must be a number from ${quality.min} to ${quality.max}`,
      value: verdict.quality_score,
    });
  }

  const scores = verdict.criteria_scores ?? {};
  for (const [key, score] of Object.entries(scores)) {
    if (!inScale(score, criteria)) {
      violations.push({
        rule: 'score_scale',
        field: `criteria_scores.${key}`,
        message: `criteria score of "${key}" must be a number from ${criteria.min} to ${criteria.max}`,
        value: score,
      });
    }
  }

  const allowed = new Set(profile.issue_tags);
  verdict.issue_tags.forEach((tag, i) => {
    if (!allowed.has(tag)) {
      violations.push({
        rule: 'issue_tag_allowlist',
        field: `issue_tags[${i}]`,
        message: `issue tag "${tag}" is not in the allow-list of profile "${profile.name}"`,
        value: tag,
      });
    }
  });

  if (input.mode === 'criteria') {
    const defined = new Set(profile.dimensions.map((d) => d.key));
    const flagged = new Set<string>();
    input.case.dimensions.forEach((key, i) => {
      if (defined.has(key)) return;
      flagged.add(key);
      violations.push({
        rule: 'unknown_dimension',
        field: `case.dimensions[${i}]`,
        message: `dimension "${key}" is not defined by profile "${profile.name}"`,
        value: key,
      });
    });
    // A judge inventing its own dimensions is as much off-contract as a case asking for one.
    for (const key of Object.keys(scores)) {
      if (defined.has(key) || flagged.has(key)) continue;
      violations.push({
        rule: 'unknown_dimension',
        field: `criteria_scores.${key}`,
        message: `the verdict scores dimension "${key}", which profile "${profile.name}" does not define`,
        value: key,
      });
    }
    for (const key of dimensionsToScore(input)) {
      if (Object.prototype.hasOwnProperty.call(scores, key)) continue;
      const dim = profile.dimensions.find((d) => d.key === key);
      violations.push({
        rule: 'required_dimensions',
        field: `criteria_scores.${key}`,
        message: dim?.required
          ? `required dimension "${key}" of profile "${profile.name}" was not scored`
          : `dimension "${key}" requested by the case was not scored`,
        value: null,
      });
    }
  }
  return violations;
}

/** Throws EVAL_POLICY_CONTRACT_ERROR listing every violation; returns quietly when there is none. */
export function assertPolicyContract(verdict: JudgeVerdict, input: JudgeInput): void {
  const violations = checkPolicyContract(verdict, input);
  if (violations.length === 0) return;
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
  throw new DomainError(
    ErrorCode.EVAL_POLICY_CONTRACT_ERROR,
    `the judge verdict breaks the policy of profile "${input.profile.name}": ${violations[0].message}${more}`,
    { violations, profile_id: input.profile.id, profile_version: input.profile.version },
  );
}

function inScale(value: unknown, scale: ProfileSnapshot['scoring_scale']['quality']): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= scale.min && value <= scale.max;
}
