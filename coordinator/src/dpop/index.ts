export {
  dpopClaims,
  dpopSignFields,
  MintDpop,
  type MintDpopOptions,
  refuseDpopPending,
} from './mint-dpop.ts';
