// Defaults of the Cost Explorer pull, apart from the SDK so the CLI can show them without loading it.

/** The BillingAccountId recorded when no --billing-account is given. */
export const DEFAULT_BILLING_ACCOUNT = 'aws-ce';
