"""Domain: tables, rules and service functions, one subpackage per domain. No Flask, no pika."""
