export {
  dpopBindingOf,
  dpopClaims,
  dpopSignFields,
  MintDpop,
  type MintDpopOptions,
  refuseDpopPending,
  storedDpop,
} from './mint-dpop.ts';
