// DISCA (arXiv 2605.10843): inference-time steering of MultiTP answers by a WVS-grounded persona panel's disagreement.
export * from './estimator.ts';
export { COHORTS, WVS_COLUMNS, WVS_DIMENSIONS, cohortOf, descriptorOf, personaText, poleScore, readPersonaPanel, readWvsProfiles, wvsPanel, type Cohort, type CohortProfile } from './personas.ts';
export { LOGIT_TEMPERATURES, prepareDisca, runDisca, type DiscaPlan, type DiscaReading, type PreparedDisca } from './steer-survey.ts';
