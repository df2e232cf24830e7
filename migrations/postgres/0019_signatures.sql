-- Which HTTP signature scheme each instance accepts ('rfc9421' or 'cavage'), learned from its
-- answers to deliveries, and when that was learned (RFC 9421 is tried again after a while).
ALTER TABLE instances ADD COLUMN signature_scheme TEXT CHECK (signature_scheme IN ('rfc9421', 'cavage'));
ALTER TABLE instances ADD COLUMN signature_scheme_at TIMESTAMPTZ;

-- Each local actor's Ed25519 key pair (FEP-521a), for object integrity proofs (FEP-8b32):
-- the private key as PKCS#8 PEM and the public key as a Multikey `publicKeyMultibase`.
-- Actors made before this migration get theirs the first time they are used.
ALTER TABLE local_actors ADD COLUMN ed25519_private_key_pem TEXT;
ALTER TABLE local_actors ADD COLUMN ed25519_public_key_multibase TEXT;
