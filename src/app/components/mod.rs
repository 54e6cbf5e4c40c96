pub mod charts;
pub mod contact_form;
pub mod footer;
pub mod form;
pub mod header;
pub mod pricing;
pub mod theme;
pub mod workspace;
