//! geocommun-testkit
