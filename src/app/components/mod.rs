pub mod contact_form;
pub mod footer;
pub mod header;
pub mod pricing;
pub mod theme;
