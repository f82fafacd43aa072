// Commercial terms of the fictional company, as exact decimals, shared by the
// resources (unit prices) and the extras (reservation, credits, tax).

export const AWS_NEGOTIATED = '0.94'; // private pricing: ContractedUnitPrice = 94% of list
export const SP_RATE = '0.72'; // Savings Plan rate, as a share of list
export const RI_RATE = '0.60'; // amortised RDS reservation rate, as a share of list
export const TAX_RATE = '0.06';
export const CREDIT_RATE = '0.05';
export const AWS_SHARE = 0.7; // share of resources on AWS (the rest on Google Cloud)
