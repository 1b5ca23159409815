//! geocommun-import
