// The repository (and its SQL) lives in src/store; this path stays for modules that import it here.
export { AlertRulesRepository, type AlertEvent } from '../store/alert-rules.repository.js';
