"""Domain: tables, rules, service functions and event contracts. No Flask, no pika."""
