import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { ROLES, type Role } from './role';
import type { ApiToken } from './api-token.entity';
import type { IssuedToken } from './auth.service';
import type { User } from './user.entity';

export class UserCreateDto {
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @IsIn(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` })
  role: Role;
}

export class TokenCreateDto {
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;
}

export interface UserResponseDto {
  id: string;
  name: string;
  role: Role;
  createdAt: Date;
}

export interface TokenResponseDto {
  id: string;
  userId: string;
  name: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export function toUserResponse(user: User): UserResponseDto {
  return {
    id: user.id,
    name: user.name,
    role: user.role,
    createdAt: user.createdAt,
  };
}

export function toTokenResponse(token: ApiToken): TokenResponseDto {
  return {
    id: token.id,
    userId: token.userId,
    name: token.name,
    createdAt: token.createdAt,
    revokedAt: token.revokedAt,
  };
}

export type IssuedTokenResponseDto = IssuedToken;
