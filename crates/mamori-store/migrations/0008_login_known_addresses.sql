-- Addresses each account has signed in from: failures against an account from elsewhere can
-- slow an attacker without locking the real user out from a place they are known.
CREATE TABLE login_known_addresses (
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (account, address)
);
