//! geocommun-server
