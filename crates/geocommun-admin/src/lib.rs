//! geocommun-admin
